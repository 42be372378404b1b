import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { Context, Effect, Layer, Option, Redacted } from "effect";
import type postgres from "postgres";
import * as AppRole from "../AppRole.ts";
import * as Cluster from "../Cluster.ts";
import * as ContextKey from "../ContextKey.ts";
import * as Migrator from "../Migrator.ts";

export interface MigratedDatabaseInfo {
  /** Superuser connection to the fresh, migrated database (owner of every table). */
  readonly adminUrl: string;
  /**
   * The runtime role `beep_app`: not superuser, not BYPASSRLS, owns nothing. It logs in as `appRole`, a login
   * role of this database's own whose sessions run as `beep_app` (`current_user` is `beep_app`): `beep_app`'s
   * password and settings are the server's, never a test's.
   */
  readonly appUrl: string;
  /** The login role of `appUrl` (its sessions' `session_user` and `pg_stat_activity.usename`). */
  readonly appRole: string;
  readonly name: string;
  /** This database's own context key: what a runtime signs tenant tickets with. */
  readonly contextKey: string;
}

/** A fresh database per test file, migrated, with a login of its own that acts as `beep_app`. */
export class MigratedDatabase extends Context.Tag("@beep/db-admin/MigratedDatabase")<
  MigratedDatabase,
  MigratedDatabaseInfo
>() {}

interface Prepared extends MigratedDatabaseInfo {
  /** Drops the database, then its login role. */
  readonly drop: Effect.Effect<void>;
}

/** Where a test database is made: `{ url, name, drop }`, and a superuser URL of a database that outlives it. */
export interface DatabaseSource {
  readonly create: () => Promise<{ readonly url: string; readonly name: string; readonly drop: () => Promise<void> }>;
  readonly adminUrl: string;
}

/** The run's test server (`Testkit.createDatabase`). */
const testServer = (): DatabaseSource => ({ create: () => Testkit.createDatabase(), adminUrl: Testkit.adminUrl() });

/** The run's Citus cluster: a database on every node with the extension; `db:migrate` distributes it. */
export const citusCluster = (citus: Testkit.CitusAccess): DatabaseSource => ({
  create: () => citus.createDatabase(),
  // Read when used: a suite skipped without the cluster still builds its layers while collecting.
  get adminUrl() {
    return citus.adminUrl;
  },
});

// Few shards: the tests need a table on every worker, not Citus's default spread.
const TEST_SHARD_COUNT = 4;

/**
 * Creates the database and its login role, and migrates it (on Citus, distributed as `db:migrate` does). Nothing
 * cluster-wide changes but the login role, which is this database's own and goes with it (and `beep_app`,
 * `beep_admin` when the server has none yet).
 */
const prepare = (source: DatabaseSource): Effect.Effect<Prepared, unknown> =>
  Effect.gen(function* () {
    const database = yield* Effect.tryPromise(() => source.create());
    const dropDatabase = Effect.promise(() => database.drop());
    return yield* Effect.gen(function* () {
      yield* Migrator.migrate({ url: database.url });
      const contextKey = ContextKey.generate();
      yield* ContextKey.install(database.url, Option.some(Redacted.make(contextKey)));
      yield* Cluster.settle(database.url, { shardCount: TEST_SHARD_COUNT });
      const login = yield* AppRole.databaseLogin(source.adminUrl, database.name);
      const drop = dropDatabase.pipe(Effect.zipRight(Effect.orDie(login.drop)));
      return { adminUrl: database.url, appUrl: login.url, appRole: login.role, name: database.name, contextKey, drop };
    }).pipe(Effect.tapErrorCause(() => dropDatabase));
  });

const info = ({ drop: _drop, ...rest }: Prepared): MigratedDatabaseInfo => rest;

/** A fresh migrated database for a test file; the database and its login role are dropped with the layer. */
export const layer: Layer.Layer<MigratedDatabase, unknown> = Layer.suspend(() => layerOn(testServer()));

/** `layer` on another source (`citusCluster(citus)`). */
export const layerOn = (source: DatabaseSource): Layer.Layer<MigratedDatabase, unknown> =>
  Layer.scoped(
    MigratedDatabase,
    Effect.map(
      Effect.acquireRelease(prepare(source), (prepared) => prepared.drop),
      info,
    ),
  );

/** A fresh migrated database as a plain async helper, for tests that need several; `drop` removes it. */
export const create = async (): Promise<MigratedDatabaseInfo & { readonly drop: () => Promise<void> }> => {
  const prepared = await Effect.runPromise(prepare(testServer()));
  return { ...info(prepared), drop: () => Effect.runPromise(prepared.drop) };
};

/**
 * A login of `database`'s own that acts as `beep_app` (`AppRole.databaseLogin`), for a test's own database;
 * call `drop` after the database is dropped. `database.adminUrl` is the server's (a database that stays).
 */
export const loginFor = async (database: {
  readonly adminUrl: string;
  readonly name: string;
}): Promise<{ readonly role: string; readonly url: string; readonly drop: () => Promise<void> }> => {
  const login = await Effect.runPromise(AppRole.databaseLogin(database.adminUrl, database.name));
  return { role: login.role, url: login.url, drop: () => Effect.runPromise(login.drop) };
};

/**
 * The statement that enters a tenant in a test's own transaction on `beep_app` (what `TenantDb` does), with a
 * ticket signed by `contextKey`: `await tx.unsafe(...enter(key, org))`. `role` is the ticket's role claim
 * (`beep.current_role()`): without one, tables with per-role grants refuse all but their open grants.
 */
export const enter = (
  contextKey: string,
  organizationId: string,
  userId?: string,
  role?: string,
): [string, Array<string>] => [
  "select set_config($1, $2, true)",
  [TenantContext.SETTING, ContextTicket.signer(contextKey)({ organizationId, userId, role })],
];

/**
 * Sets `ticket` in a test's own transaction as `TenantDb` does, on either engine: by `set_config`, and on Citus also
 * as the `SET LOCAL` statements the workers see.
 */
export const enterWithTicket = async (tx: postgres.TransactionSql, ticket: string): Promise<void> => {
  await tx.unsafe("select set_config($1, $2, true)", [TenantContext.SETTING, ticket]);
  const [engine] = await tx`select exists (select 1 from pg_extension where extname = 'citus') as citus`;
  const onWorkers = engine?.citus === true ? TenantContext.citusContextSql(ticket) : undefined;
  if (onWorkers === undefined) return;
  await tx.unsafe(TenantContext.CITUS_PROPAGATE_SQL);
  await tx.unsafe(onWorkers);
};

/**
 * Enters a tenant in a test's own transaction, with a ticket signed by `contextKey` (see `enterWithTicket`), as
 * `role` when given (a test that proves isolation passes the strongest, `"owner"`).
 */
export const enterTenant = (
  tx: postgres.TransactionSql,
  contextKey: string,
  organizationId: string,
  userId?: string,
  role?: string,
): Promise<void> => enterWithTicket(tx, ContextTicket.signer(contextKey)({ organizationId, userId, role }));
