import type * as Targets from "./Targets.ts";

/** Layout of the chart, in SVG user units. */
const WIDTH = 860;
const LABEL_WIDTH = 330;
const VALUE_WIDTH = 120;
const ROW = 24;
const TOP = 54;
const BOTTOM = 40;
const PLOT = WIDTH - LABEL_WIDTH - VALUE_WIDTH;

const COLORS: Readonly<Record<Targets.Status, string>> = {
  met: "#2e7d32",
  missed: "#c62828",
  "not run": "#9e9e9e",
};

const escapeXml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** Ticks at every 0.5 up to `max`. */
const ticks = (max: number) => Array.from({ length: Math.floor(max / 0.5) + 1 }, (_, index) => index * 0.5);

/**
 * A horizontal bar per measured ratio target: the median ratio as the bar, the quartiles of the rounds as a
 * whisker, the bound as a black tick; green when met, red when missed. Plain SVG, no dependency.
 */
export const svg = (targets: ReadonlyArray<Targets.Target>, title: string): string => {
  // Bounds on a value with a unit (e.g. MiB) are not ratios: they would stretch the ratio scale.
  const measured = targets.filter((target) => target.status !== "not run" && target.unit === undefined);
  const max = Math.max(
    2,
    ...measured.flatMap((target) => [target.value, target.high, target.threshold]).filter(Number.isFinite),
  );
  const scale = Math.ceil(max * 2) / 2;
  const x = (value: number) => LABEL_WIDTH + (Math.max(0, value) / scale) * PLOT;
  const height = TOP + measured.length * ROW + BOTTOM;
  const rows = measured.map((target, index) => {
    const y = TOP + index * ROW;
    const middle = y + ROW / 2;
    const label = `${target.section}. ${target.comparison} ×${target.clients}: ${target.text}`;
    const whisker = Number.isFinite(target.low)
      ? `<line x1="${x(target.low).toFixed(1)}" x2="${x(target.high).toFixed(1)}" y1="${middle}" y2="${middle}" stroke="#212121" stroke-width="1"/>`
      : "";
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${middle + 4}" text-anchor="end">${escapeXml(label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 5}" width="${(x(target.value) - LABEL_WIDTH).toFixed(1)}" height="${ROW - 10}" fill="${COLORS[target.status]}" fill-opacity="0.8"/>`,
      whisker,
      `<line x1="${x(target.threshold).toFixed(1)}" x2="${x(target.threshold).toFixed(1)}" y1="${y + 2}" y2="${y + ROW - 2}" stroke="#000" stroke-width="2"/>`,
      `<text x="${WIDTH - VALUE_WIDTH + 8}" y="${middle + 4}">${target.value.toFixed(2)} ${escapeXml(target.status)}</text>`,
    ].join("");
  });
  const axis = ticks(scale).map(
    (tick) =>
      `<line x1="${x(tick).toFixed(1)}" x2="${x(tick).toFixed(1)}" y1="${TOP - 4}" y2="${height - BOTTOM}" stroke="${tick === 1 ? "#616161" : "#e0e0e0"}"/>` +
      `<text x="${x(tick).toFixed(1)}" y="${height - BOTTOM + 16}" text-anchor="middle">${tick.toFixed(1)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="12" y="40" fill="#616161">bar: median of per-round ratios; whisker: quartiles of the rounds; black tick: the target</text>`,
    ...axis,
    ...rows,
    `<text x="${LABEL_WIDTH + PLOT / 2}" y="${height - 8}" text-anchor="middle" fill="#616161">ratio</text>`,
    "</svg>",
    "",
  ].join("\n");
};
