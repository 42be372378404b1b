import { Effect } from "effect";
import type { OperationFailed } from "../BenchErrors.ts";
import type * as Dataset from "../Dataset.ts";
import * as Interleave from "../Interleave.ts";
import * as Picker from "../Picker.ts";
import * as Queries from "../Queries.ts";
import * as Results from "../Results.ts";
import type * as Targets from "../Targets.ts";
import type * as TenantRuntime from "../TenantRuntime.ts";

/** One database of the series: its size, `withOrg` as `beep_app` on it, and its key sample. */
export interface Step {
  readonly documents: number;
  readonly app: TenantRuntime.Runner;
  readonly keys: Dataset.Keys;
}

/** `10000` → `10k`, `1000000` → `1M`. */
export const sizeKey = (documents: number): string =>
  documents >= 1_000_000 && documents % 1_000_000 === 0
    ? `${documents / 1_000_000}M`
    : documents >= 1_000 && documents % 1_000 === 0
      ? `${documents / 1_000}k`
      : String(documents);

export const variants = (steps: ReadonlyArray<Step>): ReadonlyArray<Interleave.Variant> =>
  steps.map((step) => {
    const pick = Picker.make(step.keys);
    return {
      key: sizeKey(step.documents),
      label: `point read with RLS, ${step.documents.toLocaleString("en-US")} documents`,
      run: () => step.app.run(Queries.pointRead.rlsOnly, pick()),
    };
  });

const ends = (steps: ReadonlyArray<Step>) => ({
  smallest: sizeKey(steps[0]?.documents ?? 0),
  largest: sizeKey(steps.at(-1)?.documents ?? 0),
});

export const ratios = (steps: ReadonlyArray<Step>): ReadonlyArray<Results.RatioSpec> => {
  const { smallest } = ends(steps);
  return steps.slice(1).flatMap((step) => [
    { numerator: sizeKey(step.documents), denominator: smallest, metric: "latency" as const },
    { numerator: sizeKey(step.documents), denominator: smallest, metric: "throughput" as const },
  ]);
};

export const targets = (steps: ReadonlyArray<Step>): ReadonlyArray<Targets.Spec> => {
  const { smallest, largest } = ends(steps);
  return [{ numerator: largest, denominator: smallest, metric: "latency", comparator: "<=", threshold: 1.3 }];
};

export const compare = (
  steps: ReadonlyArray<Step>,
  plan: Interleave.Plan,
): Effect.Effect<Results.Comparison, OperationFailed> =>
  Interleave.measure(variants(steps), plan).pipe(
    Effect.map((samples) =>
      Results.summarize(
        { section: 3, id: "scale/point-read", title: "point read with RLS by table size", clients: plan.clients },
        samples,
        ratios(steps),
      ),
    ),
  );
