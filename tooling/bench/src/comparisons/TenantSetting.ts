import { DocumentsTables } from "@beep/documents-tables";
import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { sql as drizzleSql, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
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
import * as TenantRuntime from "../TenantRuntime.ts";

export interface Pools {
  /** `TenantDb.withOrg` as `beep_app`: ours. */
  readonly withOrg: TenantRuntime.Runner;
  /** `beep_app`, for the session-level SET and the plain postgres.js experiments. */
  readonly app: postgres.Sql;
  /** `beep_app` again, for Drizzle alone: Drizzle rewires the client's type parsers. */
  readonly drizzleApp: postgres.Sql;
  /** The BYPASSRLS role: the floor needs no tenant context to see the row. */
  readonly bypass: postgres.Sql;
  /** The database's context key: the variants that set the tenant by hand sign a ticket per unit of work with it. */
  readonly contextKey: string;
}

const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** One point read as a unit of work, four ways of giving PostgreSQL the tenant. */
export const variants = (pools: Pools, keys: Dataset.Keys): ReadonlyArray<Interleave.Variant> => {
  const { document } = DocumentsTables;
  const db = drizzle({ client: pools.drizzleApp });
  // One signer per key, as the runtime makes it; each unit of work signs its own ticket.
  const sign = ContextTicket.signer(pools.contextKey);
  const floorPick = Picker.make(keys);
  const oursPick = Picker.make(keys);
  const queryPick = Picker.make(keys);
  const builtPick = Picker.make(keys);
  const drizzlePick = Picker.make(keys);
  const sessionPick = Picker.make(keys);
  const oneTripPick = Picker.make(keys);
  const plainPick = Picker.make(keys);
  return [
    {
      key: "floor",
      label: "bare autocommit query (one round trip)",
      run: () => {
        const args = floorPick();
        return Queries.run(pools.bypass, Queries.pointRead.filtered, args);
      },
    },
    {
      key: "withOrg",
      label:
        "the tenant runtime, TenantDb.withOrg with the statement prepared once (Prepared): BEGIN + ticket + query written together, then COMMIT with the session cleanup",
      run: () => pools.withOrg.run(Queries.pointRead.rlsOnly, oursPick()),
    },
    {
      key: "built",
      label: "experiment: withOrg with the Drizzle query built on every call (not prepared once)",
      run: () => pools.withOrg.runBuilt(Queries.pointRead.rlsOnly, builtPick()),
    },
    {
      key: "query",
      label:
        "the tenant runtime, TenantDb.query: one statement as a unit of work, BEGIN + ticket + query + cleanup + COMMIT written together (one round trip)",
      run: () => pools.withOrg.query(Queries.pointRead.rlsOnly, queryPick()),
    },
    {
      key: "drizzle",
      label: "Drizzle recipe: db.transaction + execute(set_config of a signed ticket) + select",
      run: () => {
        const args = drizzlePick();
        const ticket = sign({ organizationId: args.organizationId, role: TenantRuntime.ROLE });
        return db.transaction(async (tx) => {
          await tx.execute(drizzleSql`select set_config(${TenantContext.SETTING}, ${ticket}, true)`);
          return tx
            .select()
            .from(document)
            .where(eq(document.id, args.documentId as typeof document.$inferSelect.id));
        });
      },
    },
    {
      key: "session",
      label: "session SET of a signed ticket + query + RESET on a pooled connection",
      run: async () => {
        const args = sessionPick();
        const ticket = sign({ organizationId: args.organizationId, role: TenantRuntime.ROLE });
        const connection = await pools.app.reserve();
        try {
          await connection.unsafe(`SET ${TenantContext.SETTING} = ${quoteLiteral(ticket)}`);
          const rows = await Queries.run(connection, Queries.pointRead.rlsOnly, args);
          await connection.unsafe(`RESET ${TenantContext.SETTING}`);
          return rows;
        } finally {
          connection.release();
        }
      },
    },
    {
      key: "plain",
      label: "experiment: withOrg's protocol in plain postgres.js (two round trips, no runtime)",
      run: () => {
        const args = plainPick();
        return inTenantTransaction(pools.app, sign, args.organizationId, (tx) =>
          Queries.run(tx, Queries.pointRead.rlsOnly, args),
        );
      },
    },
    {
      key: "oneTrip",
      label: "experiment: the same in plain postgres.js with the cleanup and COMMIT in the same batch (one round trip)",
      run: () => {
        const args = oneTripPick();
        return inTenantTransaction(pools.app, sign, args.organizationId, (tx, commit) => {
          const read = Queries.run(tx, Queries.pointRead.rlsOnly, args).execute();
          commit();
          return read;
        });
      },
    },
  ];
};

export const ratios: ReadonlyArray<Results.RatioSpec> = [
  { numerator: "withOrg", denominator: "floor", metric: "latency" },
  { numerator: "query", denominator: "floor", metric: "latency" },
  { numerator: "query", denominator: "oneTrip", metric: "latency" },
  { numerator: "drizzle", denominator: "floor", metric: "latency" },
  { numerator: "session", denominator: "floor", metric: "latency" },
  { numerator: "plain", denominator: "floor", metric: "latency" },
  { numerator: "oneTrip", denominator: "floor", metric: "latency" },
  { numerator: "withOrg", denominator: "drizzle", metric: "throughput" },
  { numerator: "plain", denominator: "drizzle", metric: "throughput" },
  { numerator: "withOrg", denominator: "session", metric: "throughput" },
  { numerator: "withOrg", denominator: "floor", metric: "throughput" },
  { numerator: "withOrg", denominator: "plain", metric: "throughput" },
  { numerator: "built", denominator: "plain", metric: "throughput" },
];

/**
 * The latency bound is about a one-statement unit of work through the runtime's public API for it
 * (`TenantDb.query`, one round trip), so it is checked without queueing (one client); `query/oneTrip` is that
 * against the same protocol written by hand. `withOrg/plain` is the runtime against its own
 * protocol without it. How the sides were checked: `test/Protocol.test.ts` lists each side's prepared statements on its
 * connection (the same prelude, ticket parameters included, and the same statement text), and both send the same
 * closing message, the one constant `SessionCleanup.CLOSING.commit` (the runtime's `internal/transaction.ts` and
 * `internal/tenantTransaction.ts` here); so the ratio is the runtime's client-side work alone.
 */
export const targets = (clients: number): ReadonlyArray<Targets.Spec> => [
  ...(clients === 1
    ? [{ numerator: "query", denominator: "floor", metric: "latency", comparator: "<=", threshold: 1.35 } as const]
    : []),
  { numerator: "withOrg", denominator: "drizzle", metric: "throughput", comparator: ">=", threshold: 2 },
  { numerator: "withOrg", denominator: "plain", metric: "throughput", comparator: ">=", threshold: 0.85 },
];

export const compare = (
  pools: Pools,
  keys: Dataset.Keys,
  plan: Interleave.Plan,
): Effect.Effect<Results.Comparison, OperationFailed> =>
  Interleave.measure(variants(pools, keys), plan).pipe(
    Effect.map((samples) =>
      Results.summarize(
        { section: 2, id: "tenant/point-read", title: "one-query unit of work", clients: plan.clients },
        samples,
        ratios,
      ),
    ),
  );
