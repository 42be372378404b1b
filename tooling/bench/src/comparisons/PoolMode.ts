import { Effect } from "effect";
import type { OperationFailed } from "../BenchErrors.ts";
import type * as Dataset from "../Dataset.ts";
import * as Interleave from "../Interleave.ts";
import * as Picker from "../Picker.ts";
import * as Queries from "../Queries.ts";
import * as Results from "../Results.ts";
import type * as Targets from "../Targets.ts";
import type * as TenantRuntime from "../TenantRuntime.ts";

export interface Runners {
  /** `TenantRuntime.make(..., "direct")`: named prepared statements, kept per connection. */
  readonly prepared: TenantRuntime.Runner;
  /** `TenantRuntime.make(..., "transaction")`: the same runtime and login with every statement unnamed. */
  readonly pooled: TenantRuntime.Runner;
}

/** The reads a pooler deployment serves most; each as `beep_app` relying on RLS. */
export const QUERIES: ReadonlyArray<Queries.Query> = [Queries.pointRead, Queries.newest50];

/**
 * Both sides are the tenant runtime as `beep_app` on the same PostgreSQL, no PgBouncer in between: the only
 * difference is `poolMode`, i.e. the protocol the runtime speaks when a pooler may hand each transaction another
 * server connection.
 */
export const variants = (
  runners: Runners,
  keys: Dataset.Keys,
  query: Queries.Query,
): ReadonlyArray<Interleave.Variant> => {
  const preparedPick = Picker.make(keys);
  const pooledPick = Picker.make(keys);
  return [
    {
      key: "prepared",
      label: "poolMode direct: named prepared statements, parsed and planned once per connection",
      run: () => runners.prepared.run(query.rlsOnly, preparedPick()),
    },
    {
      key: "pooled",
      label:
        "poolMode transaction: unnamed statements, as behind PgBouncer (same server, no pooler: the protocol alone)",
      run: () => runners.pooled.run(query.rlsOnly, pooledPick()),
    },
  ];
};

export const ratios: ReadonlyArray<Results.RatioSpec> = [
  { numerator: "pooled", denominator: "prepared", metric: "throughput" },
  { numerator: "pooled", denominator: "prepared", metric: "latency" },
];

/**
 * What the protocol costs. An unnamed statement is parsed and planned on every execution; a named one, once per
 * connection. The round trips are the same in both modes: two for a one-statement unit (`TenantDb.test.ts` counts
 * them), because where nothing is prepared the runtime sends its prelude, and any statement whose values are text,
 * numbers or null, with Parse, Bind and Execute together (postgres.js, unpatched, would ask for the parameters'
 * types first: a round trip of its own that held back everything behind it). So the ratio is
 * what re-planning costs: 0.79–0.87 measured in one run beside the unpatched protocol's 0.67–0.78 (reflection log,
 * 2026-12-04). 0.7 keeps the run-to-run spread (up to 0.09 on this machine) clear of the bound; a lower figure means
 * transaction mode costs more than re-planning explains.
 */
export const targets: ReadonlyArray<Targets.Spec> = [
  { numerator: "pooled", denominator: "prepared", metric: "throughput", comparator: ">=", threshold: 0.7 },
];

export const compare = (
  runners: Runners,
  keys: Dataset.Keys,
  query: Queries.Query,
  plan: Interleave.Plan,
): Effect.Effect<Results.Comparison, OperationFailed> =>
  Interleave.measure(variants(runners, keys, query), plan).pipe(
    Effect.map((samples) =>
      Results.summarize(
        {
          section: 2,
          id: `pool/${query.name}`,
          title: `${query.label}: transaction pool mode against direct (no PgBouncer: the protocol difference alone)`,
          clients: plan.clients,
        },
        samples,
        ratios,
      ),
    ),
  );
