import type * as Interleave from "./Interleave.ts";
import * as Stats from "./Stats.ts";

export type Metric = "throughput" | "latency";

/** 1: RLS vs filter, 2: setting the tenant, 3: scale, 4: HTTP, 5: single PostgreSQL vs Citus. */
export type Section = 1 | 2 | 3 | 4 | 5;

export interface VariantSummary {
  readonly key: string;
  readonly label: string;
  /** Median over rounds of operations per second. */
  readonly throughput: number;
  /** Median over rounds of each round's median latency, in milliseconds. */
  readonly latencyMs: number;
  /** Median over rounds of the client process's CPU per operation, in microseconds. */
  readonly cpuPerOperationUs: number;
  /** Median over rounds of the serving process's CPU per operation, in microseconds (section 4's servers). */
  readonly serverCpuPerOperationUs?: number;
}

/** A ratio between two variants of one comparison, e.g. `A/B` of throughput. */
export interface Ratio {
  readonly numerator: string;
  readonly denominator: string;
  readonly metric: Metric;
  /** Median of the per-round ratios. */
  readonly value: number;
  /** First and third quartiles of the per-round ratios: how much the rounds disagreed. */
  readonly low: number;
  readonly high: number;
}

export interface RatioSpec {
  readonly numerator: string;
  readonly denominator: string;
  readonly metric: Metric;
}

export interface Comparison {
  readonly section: Section;
  /** Stable id, e.g. `rls/point-read`. */
  readonly id: string;
  readonly title: string;
  readonly clients: number;
  readonly variants: ReadonlyArray<VariantSummary>;
  readonly ratios: ReadonlyArray<Ratio>;
}

/** Medians per variant and the paired ratios asked for. */
export const summarize = (
  head: Omit<Comparison, "variants" | "ratios">,
  samples: ReadonlyArray<Interleave.Samples>,
  specs: ReadonlyArray<RatioSpec>,
): Comparison => {
  const byKey = new Map(samples.map((sample) => [sample.key, sample]));
  const series = (key: string, metric: Metric) => {
    const sample = byKey.get(key);
    if (sample === undefined) return [];
    return metric === "throughput" ? sample.throughputs : sample.latenciesMs;
  };
  return {
    ...head,
    variants: samples.map((sample) => ({
      key: sample.key,
      label: sample.label,
      throughput: Stats.median(sample.throughputs),
      latencyMs: Stats.median(sample.latenciesMs),
      cpuPerOperationUs: Stats.median(sample.cpuPerOperationUs),
      ...(sample.serverCpuPerOperationUs === undefined
        ? {}
        : { serverCpuPerOperationUs: Stats.median(sample.serverCpuPerOperationUs) }),
    })),
    ratios: specs.map((spec) => {
      const rounds = Stats.pairedRatios(series(spec.numerator, spec.metric), series(spec.denominator, spec.metric));
      return {
        ...spec,
        value: Stats.median(rounds),
        low: Stats.quantile(rounds, 0.25),
        high: Stats.quantile(rounds, 0.75),
      };
    }),
  };
};

export const findRatio = (
  comparison: Comparison,
  numerator: string,
  denominator: string,
  metric: Metric,
): Ratio | undefined =>
  comparison.ratios.find(
    (ratio) => ratio.numerator === numerator && ratio.denominator === denominator && ratio.metric === metric,
  );

export const ratioOf = (comparison: Comparison, numerator: string, denominator: string, metric: Metric): number =>
  findRatio(comparison, numerator, denominator, metric)?.value ?? Number.NaN;

export const ratioName = (ratio: Pick<Ratio, "numerator" | "denominator" | "metric">) =>
  `${ratio.numerator}/${ratio.denominator} ${ratio.metric}`;
