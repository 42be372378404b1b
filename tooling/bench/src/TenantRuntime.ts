import { Db, Prepared, TenantDb, TenantTx } from "@beep/shared-server";
import type { TenantRole } from "@beep/shared-tables";
import { Effect, Layer, ManagedRuntime, type Scope } from "effect";
import { DatabaseUnavailable } from "./BenchErrors.ts";
import type * as Queries from "./Queries.ts";

/** Which `withOrg` produced the figures; the report names it. */
export const IMPLEMENTATION = "TenantDb.withOrg of @beep/shared-server (the tenant runtime itself)";

/**
 * The role every tenant unit of work of the bench carries in its ticket, on every side: without one the tables
 * with per-role grants (documents among them) refuse everything. The owner's: what it may do covers every read
 * and write the bench makes.
 */
export const ROLE: TenantRole.Role = "owner";

/** The tenant runtime over one login's pool, driven from the plain async loops of the harness. */
export interface Runner {
  /** One unit of work: `statement` (prepared once) as the organization of `args`, in a transaction of its own. */
  readonly run: (statement: Queries.Statement, args: Queries.Args) => Promise<unknown>;
  /** The same as one statement in one round trip: `TenantDb.query`. */
  readonly query: (statement: Queries.Statement, args: Queries.Args) => Promise<unknown>;
  /** `run` with the Drizzle query built on every call instead of prepared once: what that costs, side by side. */
  readonly runBuilt: (statement: Queries.Statement, args: Queries.Args) => Promise<unknown>;
}

/**
 * `TenantDb.withContext` as `ROLE` over a pool of `poolMax` connections to `url`, signing tickets with `contextKey` (the key
 * installed in that database), closed with the scope. Used for every side of a comparison that runs in a tenant
 * transaction, so the sides share the runtime's exact protocol: BEGIN, the signed ticket with its check and the
 * statement written together, then the session cleanup and COMMIT in one message. `poolMode` is the runtime's
 * own setting (`DATABASE_POOL_MODE`): `transaction` sends every statement unnamed, as behind a transaction pooler.
 */
export const make = (
  url: string,
  contextKey: string,
  poolMax: number,
  poolMode: Db.PoolMode = "direct",
): Effect.Effect<Runner, DatabaseUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.acquireRelease(
      Effect.sync(() =>
        ManagedRuntime.make(
          TenantDb.layerWithKey(contextKey).pipe(Layer.provide(Db.layerFromUrl(url, { poolMax, poolMode }))),
        ),
      ),
      (runtime) => runtime.disposeEffect,
    );
    yield* runtime.runtimeEffect.pipe(
      Effect.mapError((cause) => new DatabaseUnavailable({ step: "tenant runtime", cause })),
    );
    const scope = (args: Queries.Args) => ({ organizationId: args.organizationId, role: ROLE });
    const values = (args: Queries.Args) => ({ organizationId: args.organizationId, documentId: args.documentId });
    return {
      run: (statement, args) =>
        runtime.runPromise(
          TenantDb.withContext(scope(args))(TenantTx.use(Prepared.run(statement.prepared, values(args)))),
        ),
      query: (statement, args) =>
        runtime.runPromise(TenantDb.query(scope(args))(Prepared.run(statement.prepared, values(args)))),
      runBuilt: (statement, args) =>
        runtime.runPromise(
          TenantDb.withContext(scope(args))(TenantTx.use((db) => statement.build(db).execute(values(args)))),
        ),
    };
  });
