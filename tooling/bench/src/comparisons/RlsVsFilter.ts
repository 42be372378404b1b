import { ContextTicket } from "@beep/shared-tables";
import { Effect } from "effect";
import type postgres from "postgres";
import type { OperationFailed } from "../BenchErrors.ts";
import type * as Dataset from "../Dataset.ts";
import * as Interleave from "../Interleave.ts";
import { inTenantTransaction } from "../internal/tenantTransaction.ts";
import * as Picker from "../Picker.ts";
import * as Queries from "../Queries.ts";
import * as Results from "../Results.ts";
import type * as Targets from "../Targets.ts";
import type * as TenantRuntime from "../TenantRuntime.ts";

export interface Runners {
  /** `TenantDb.withOrg` logged in as `beep_app`: RLS applies. */
  readonly app: TenantRuntime.Runner;
  /** `TenantDb.withOrg` logged in as the BYPASSRLS role: the context is set, and ignored. */
  readonly bypass: TenantRuntime.Runner;
}

/**
 * The three sides, each one `withOrg` transaction of the same shape (BEGIN, the signed ticket and its check, the
 * statement, the cleanup with COMMIT), so that they differ only in whether RLS applies and whether the statement
 * names the organization. On A and C the policy also checks the ticket (`beep.current_org_id()`); B only in the
 * prelude, as every side does.
 */
export const variants = (
  runners: Runners,
  keys: Dataset.Keys,
  query: Queries.Query,
): ReadonlyArray<Interleave.Variant> => {
  const side = (
    key: string,
    label: string,
    runner: TenantRuntime.Runner,
    statement: Queries.Statement,
  ): Interleave.Variant => {
    const pick = Picker.make(keys);
    return { key, label, run: () => runner.run(statement, pick()) };
  };
  return [
    side("A", "RLS alone (beep_app)", runners.app, query.rlsOnly),
    side("B", "explicit filter, BYPASSRLS role", runners.bypass, query.filtered),
    side("C", "RLS + explicit filter (beep_app)", runners.app, query.filtered),
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

/**
 * The count's A/B bound is 0.97 instead of 0.95: its gap is the protocol (A's statement, without parameters, is
 * re-planned on every call), not RLS, and once every statement is prepared the same way RLS should cost no more
 * than on the other reads. It replaces the 0.95 bound rather than sitting beside it: 0.97 implies 0.95.
 */
export const targetsFor = (query: Queries.Query): ReadonlyArray<Targets.Spec> =>
  query.name === Queries.count.name
    ? targets.map((spec) => (spec.numerator === "A" ? { ...spec, threshold: 0.97 } : spec))
    : targets;

export interface Pools {
  readonly app: postgres.Sql;
  readonly bypass: postgres.Sql;
  /** The database's context key: each unit of work gets a ticket signed with it, as the runtime's do. */
  readonly contextKey: string;
}

/**
 * An experiment beside A and B: the same statements and transaction shape in plain postgres.js, every statement
 * prepared (`Queries.run`), to see what is left of a gap once the driver's protocol is out of the picture.
 */
export const preparedVariants = (
  pools: Pools,
  keys: Dataset.Keys,
  query: Queries.Query,
): ReadonlyArray<Interleave.Variant> => {
  const sign = ContextTicket.signer(pools.contextKey);
  const side = (key: string, label: string, sql: postgres.Sql, statement: Queries.Statement): Interleave.Variant => {
    const pick = Picker.make(keys);
    return {
      key,
      label,
      run: () => {
        const args = pick();
        return inTenantTransaction(sql, sign, args.organizationId, (tx) => Queries.run(tx, statement, args));
      },
    };
  };
  return [
    side("A", "plain postgres.js, prepared: RLS alone (beep_app)", pools.app, query.rlsOnly),
    side("B", "plain postgres.js, prepared: explicit filter, BYPASSRLS role", pools.bypass, query.filtered),
  ];
};

export const comparePrepared = (
  pools: Pools,
  keys: Dataset.Keys,
  query: Queries.Query,
  plan: Interleave.Plan,
): Effect.Effect<Results.Comparison, OperationFailed> =>
  Interleave.measure(preparedVariants(pools, keys, query), plan).pipe(
    Effect.map((samples) =>
      Results.summarize(
        {
          section: 1,
          id: `rls/${query.name}-prepared`,
          title: `${query.label} (experiment: plain postgres.js, prepared)`,
          clients: plan.clients,
        },
        samples,
        ratios.filter((ratio) => ratio.numerator === "A"),
      ),
    ),
  );

export const compare = (
  runners: Runners,
  keys: Dataset.Keys,
  query: Queries.Query,
  plan: Interleave.Plan,
): Effect.Effect<Results.Comparison, OperationFailed> =>
  Interleave.measure(variants(runners, keys, query), plan).pipe(
    Effect.map((samples) =>
      Results.summarize(
        { section: 1, id: `rls/${query.name}`, title: query.label, clients: plan.clients },
        samples,
        ratios,
      ),
    ),
  );
