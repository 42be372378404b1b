import type * as Bench from "./Bench.ts";
import * as Profile from "./Profile.ts";
import type * as Results from "./Results.ts";
import type * as Targets from "./Targets.ts";

export const SECTION_TITLES: Readonly<Record<Results.Section, string>> = {
  1: "RLS versus an explicit filter",
  2: "The cost of setting the tenant",
  3: "Scale of a point read with RLS",
  4: "HTTP: GET /v1/documents against apps/server",
  5: "Single PostgreSQL against a Citus cluster",
};

export const formatRatio = (value: number) => (Number.isNaN(value) ? "n/a" : value.toFixed(2));
export const formatOps = (value: number) => (Number.isNaN(value) ? "n/a" : Math.round(value).toLocaleString("en-US"));
export const formatMs = (value: number) => (Number.isNaN(value) ? "n/a" : value.toFixed(3));
export const formatCpu = (value: number) => (Number.isNaN(value) ? "n/a" : Math.round(value).toLocaleString("en-US"));

/** Left-aligned text columns; numbers (cells starting with a digit) right-aligned. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return /^[\d.,]+$/.test(cell) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
};

const variantRows = (comparisons: ReadonlyArray<Results.Comparison>) =>
  comparisons.flatMap((comparison) =>
    comparison.variants.map((variant) => [
      comparison.title,
      String(comparison.clients),
      variant.key,
      variant.label,
      formatOps(variant.throughput),
      formatMs(variant.latencyMs),
      formatCpu(variant.cpuPerOperationUs),
    ]),
  );

const ratioRows = (comparisons: ReadonlyArray<Results.Comparison>) =>
  comparisons.flatMap((comparison) =>
    comparison.ratios.map((ratio) => [
      comparison.title,
      String(comparison.clients),
      `${ratio.numerator}/${ratio.denominator}`,
      ratio.metric,
      formatRatio(ratio.value),
    ]),
  );

export const targetRows = (targets: ReadonlyArray<Targets.Target>) =>
  targets.map((target) => [
    String(target.section),
    target.comparison,
    target.clients === 0 ? "-" : String(target.clients),
    target.text,
    formatRatio(target.value),
    target.status,
  ]);

/** The run as plain-text tables for stdout. */
export const text = (report: Bench.Report): string => {
  const parts: Array<string> = [
    `beep bench (${report.profile.name}): ${report.machine.cores} cores, ${report.machine.cpu}, PostgreSQL ${report.server.version} (${report.server.kind}), ${Profile.largest(report.profile).toLocaleString("en-US")} documents over ${report.profile.organizations.toLocaleString("en-US")} organizations, ${report.profile.rounds} rounds of ${report.profile.sliceMs} ms`,
  ];
  for (const section of [1, 2, 3, 4, 5] as const) {
    const comparisons = report.comparisons.filter((comparison) => comparison.section === section);
    if (comparisons.length === 0) continue;
    parts.push(
      `\n${section}. ${SECTION_TITLES[section]}`,
      ...(section === 5 && report.cluster !== undefined
        ? [`${report.cluster}. No target: on one machine this shows Citus' routing cost, not its scale.`]
        : []),
      table(
        ["comparison", "clients", "key", "variant", "ops/s", "p50 ms", "client cpu µs/op"],
        variantRows(comparisons),
      ),
      "",
      table(["comparison", "clients", "ratio", "metric", "value"], ratioRows(comparisons)),
    );
  }
  if (report.httpPeakMemoryMiB.length > 0) {
    parts.push(
      "",
      table(
        ["HTTP server", "peak memory MiB"],
        report.httpPeakMemoryMiB.map((entry) => [entry.key, Number.isNaN(entry.mib) ? "n/a" : entry.mib.toFixed(0)]),
      ),
    );
  }
  for (const missing of report.notRun)
    parts.push(`\n${missing.section}. ${SECTION_TITLES[missing.section]}: ${missing.reason}`);
  parts.push(
    "\nTargets",
    table(["section", "comparison", "clients", "target", "value", "status"], targetRows(report.targets)),
  );
  const met = report.targets.filter((target) => target.status === "met").length;
  parts.push(`\n${met} of ${report.targets.length} targets met; ${report.seconds.toFixed(0)} s`);
  return parts.join("\n");
};
