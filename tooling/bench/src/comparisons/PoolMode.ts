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
 * What the protocol costs. An unnamed statement is parsed and planned on every execution. And postgres.js (its
 * `describeFirst` in `connection.js`) sends an unnamed statement with parameters as Parse + Describe + Flush,
 * binds it only once the parameter types are back, and pipelines nothing behind it. The runtime writes its own
 * prelude with literals in this mode, so only the statement asks: a unit of work takes three round trips (BEGIN,
 * the prelude and the statement's question; the statement; the COMMIT) against two (`TenantDb.test.ts` counts
 * them). On a loopback socket those extra round trips and the re-planning are a fraction of a unit's cost,
 * which the runtime's client-side work dominates (see `withOrg/plain`); 0.7 grants them up to 30% of throughput,
 * and a lower figure means transaction mode costs more than its protocol explains.
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
