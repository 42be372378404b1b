import { citusCluster, layerOn, MigratedDatabase, layer as migratedLayer } from "@beep/db-admin/testing";
import { RoundTripProxy, type Testkit } from "@beep/testkit";
import { Effect, Layer } from "effect";
import postgres from "postgres";
import * as Db from "../../src/Db.ts";
import * as SystemDb from "../../src/SystemDb.ts";
import * as TenantDb from "../../src/TenantDb.ts";

export { MigratedDatabase };

/** A fresh migrated database, the runtime pool as beep_app, TenantDb, and SystemDb on the superuser URL. */
export const runtime = (settings: Partial<Db.DbSettings> = {}) =>
  Layer.unwrapEffect(
    Effect.map(MigratedDatabase, ({ adminUrl, appUrl, contextKey }) =>
      Layer.mergeAll(
        TenantDb.layerWithKey(contextKey).pipe(Layer.provideMerge(Db.layerFromUrl(appUrl, settings))),
        SystemDb.layerFromUrl(adminUrl),
      ),
    ),
  ).pipe(Layer.provideMerge(migratedLayer), Layer.orDie);

/**
 * `runtime`, with the tenant pool going through this run's PgBouncer (transaction mode) as
 * `DATABASE_POOL_MODE=transaction`; the system pool stays direct.
 */
export const runtimeThrough = (
  bouncer: { readonly urlFor: (url: string) => string },
  settings: Partial<Db.DbSettings> = {},
) =>
  Layer.unwrapEffect(
    Effect.map(MigratedDatabase, ({ adminUrl, appUrl, contextKey }) =>
      Layer.mergeAll(
        TenantDb.layerWithKey(contextKey).pipe(
          Layer.provideMerge(Db.layerFromUrl(bouncer.urlFor(appUrl), { poolMode: "transaction", ...settings })),
        ),
        SystemDb.layerFromUrl(adminUrl),
      ),
    ),
  ).pipe(Layer.provideMerge(migratedLayer), Layer.orDie);

/**
 * `runtime` on this run's Citus cluster: a database distributed as `db:migrate` distributes it, the tenant pool
 * through the coordinator as the app's role (the engine is found by the runtime itself).
 */
export const runtimeOnCitus = (citus: Testkit.CitusAccess, settings: Partial<Db.DbSettings> = {}) =>
  Layer.unwrapEffect(
    Effect.map(MigratedDatabase, ({ adminUrl, appUrl, contextKey }) =>
      Layer.mergeAll(
        TenantDb.layerWithKey(contextKey).pipe(Layer.provideMerge(Db.layerFromUrl(appUrl, settings))),
        SystemDb.layerFromUrl(adminUrl),
      ),
    ),
  ).pipe(Layer.provideMerge(layerOn(citusCluster(citus))), Layer.orDie);

/**
 * For the scope: a round-trip proxy in front of the migrated database's server (replies held `delayMs`), and the
 * tenant runtime through it on a pool of one, to count a unit's round trips or to hold the server's replies.
 */
export const throughProxy = (delayMs?: number, settings: Partial<Db.DbSettings> = {}) =>
  Effect.gen(function* () {
    const { appUrl, contextKey } = yield* MigratedDatabase;
    const target = new URL(appUrl);
    const proxy = yield* Effect.acquireRelease(
      Effect.promise(() => RoundTripProxy.start(Number(target.port), delayMs)),
      (started) => Effect.promise(() => started.close()),
    );
    target.port = String(proxy.port);
    const tenant = TenantDb.layerWithKey(contextKey).pipe(
      Layer.provideMerge(Db.layerFromUrl(target.toString(), { poolMax: 1, ...settings })),
    );
    return { proxy, tenant };
  });

/** A short-lived superuser connection, for checking what really is in the database. */
export const withAdmin = <A>(f: (sql: postgres.Sql) => Promise<A>) =>
  Effect.flatMap(MigratedDatabase, ({ adminUrl }) =>
    Effect.promise(async () => {
      const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        return await f(sql);
      } finally {
        await sql.end();
      }
    }),
  );
