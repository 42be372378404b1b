import { Effect } from "effect";
import type postgres from "postgres";
import type { OperationFailed } from "../BenchErrors.ts";
import type * as Dataset from "../Dataset.ts";
import * as Interleave from "../Interleave.ts";
import * as Picker from "../Picker.ts";
import * as Queries from "../Queries.ts";
import * as Results from "../Results.ts";
import type * as Targets from "../Targets.ts";
import { withOrg } from "../TenantTransaction.ts";

export interface Pools {
  /** Logged in as `beep_app`: RLS applies. */
  readonly app: postgres.Sql;
  /** Logged in as the BYPASSRLS role. */
  readonly bypass: postgres.Sql;
}

/**
 * The three sides, each one transaction of the same shape (BEGIN, set_config, the statement, COMMIT), so
 * that they differ only in whether RLS applies and whether the statement names the organization.
 */
export const variants = (pools: Pools, keys: Dataset.Keys, query: Queries.Query): ReadonlyArray<Interleave.Variant> => {
  const side = (key: string, label: string, sql: postgres.Sql, statement: Queries.Statement): Interleave.Variant => {
    const pick = Picker.make(keys);
    return {
      key,
      label,
      run: () => {
        const args = pick();
        return withOrg(sql, args.organizationId, (tx) => Queries.run(tx, statement, args));
      },
    };
  };
  return [
    side("A", "RLS alone (beep_app)", pools.app, query.rlsOnly),
    side("B", "explicit filter, BYPASSRLS role", pools.bypass, query.filtered),
    side("C", "RLS + explicit filter (beep_app)", pools.app, query.filtered),
  ];
};

export const ratios: ReadonlyArray<Results.RatioSpec> = [
  { numerator: "A", denominator: "B", metric: "throughput" },
  { numerator: "C", denominator: "B", metric: "throughput" },
  { numerator: "A", denominator: "B", metric: "latency" },
  { numerator: "C", denominator: "B", metric: "latency" },
];

export const targets: ReadonlyArray<Targets.Spec> = [
  { numerator: "A", denominator: "B", metric: "throughput", comparator: ">=", threshold: 0.95 },
  { numerator: "C", denominator: "B", metric: "throughput", comparator: ">=", threshold: 0.95 },
];

export const compare = (
  pools: Pools,
  keys: Dataset.Keys,
  query: Queries.Query,
  plan: Interleave.Plan,
): Effect.Effect<Results.Comparison, OperationFailed> =>
  Interleave.measure(variants(pools, keys, query), plan).pipe(
    Effect.map((samples) =>
      Results.summarize(
        { section: 1, id: `rls/${query.name}`, title: query.label, clients: plan.clients },
        samples,
        ratios,
      ),
    ),
  );
