import * as Results from "./Results.ts";

export type Status = "met" | "missed" | "not run";
export type Comparator = ">=" | "<=";

/** A bound on one ratio of one comparison. */
export interface Spec extends Results.RatioSpec {
  readonly comparator: Comparator;
  readonly threshold: number;
}

export interface Target {
  readonly section: Results.Section;
  /** The comparison it is about, e.g. `rls/point-read` at 8 clients. */
  readonly comparison: string;
  readonly clients: number;
  /** e.g. `A/B throughput >= 0.95`. */
  readonly text: string;
  readonly comparator: Comparator;
  readonly threshold: number;
  readonly value: number;
  /** Quartiles of the per-round ratios (NaN when not measured). */
  readonly low: number;
  readonly high: number;
  readonly status: Status;
  /** Set on a bound on a measured value rather than a ratio (e.g. `MiB`). */
  readonly unit?: string;
}

export const holds = (value: number, comparator: Comparator, threshold: number): boolean =>
  !Number.isNaN(value) && (comparator === ">=" ? value >= threshold : value <= threshold);

/** True when the bound lies between the quartiles of the per-round ratios: the rounds disagree about it. */
export const withinSpread = (target: Target): boolean =>
  !Number.isNaN(target.low) && target.low <= target.threshold && target.threshold <= target.high;

export const textOf = (spec: Spec) => `${Results.ratioName(spec)} ${spec.comparator} ${spec.threshold}`;

/** Checks one bound against a comparison's measured ratio; a ratio that was not measured is missed. */
export const evaluate = (comparison: Results.Comparison, spec: Spec): Target => {
  const ratio = Results.findRatio(comparison, spec.numerator, spec.denominator, spec.metric);
  const value = ratio?.value ?? Number.NaN;
  return {
    section: comparison.section,
    comparison: comparison.id,
    clients: comparison.clients,
    text: textOf(spec),
    comparator: spec.comparator,
    threshold: spec.threshold,
    value,
    low: ratio?.low ?? Number.NaN,
    high: ratio?.high ?? Number.NaN,
    status: holds(value, spec.comparator, spec.threshold) ? "met" : "missed",
  };
};

/** A target whose comparison could not run, with the reason in place of a figure. */
export const notRun = (section: Results.Section, comparison: string, text: string): Target => ({
  section,
  comparison,
  clients: 0,
  text,
  comparator: ">=",
  threshold: Number.NaN,
  value: Number.NaN,
  low: Number.NaN,
  high: Number.NaN,
  status: "not run",
});

/** A bound on a measured value (not a ratio, so no rounds' quartiles), e.g. a server's peak memory. */
export const onValue = (
  where: { readonly section: Results.Section; readonly comparison: string; readonly clients: number },
  text: string,
  value: number,
  comparator: Comparator,
  threshold: number,
  unit: string,
): Target => ({
  ...where,
  text,
  comparator,
  threshold,
  value,
  low: Number.NaN,
  high: Number.NaN,
  status: holds(value, comparator, threshold) ? "met" : "missed",
  unit,
});
