import { Config, type ConfigError, Context, Effect, Layer, Redacted } from "effect";
import type postgres from "postgres";
import * as Db from "./Db.ts";
import { type DbError, fromCause, TenantAccessDenied } from "./DbErrors.ts";
import { run } from "./internal/transaction.ts";

/** The role system work assumes: NOLOGIN, BYPASSRLS, DML grants only. */
export const ROLE = "beep_admin";

/** `ADMIN_DATABASE_URL` (a login that may `SET ROLE beep_admin`), pool size `SYSTEM_DB_POOL_MAX` (default 2). */
export const config: Config.Config<Db.DbOptions> = Config.all({
  url: Config.redacted("ADMIN_DATABASE_URL"),
  settings: Db.settings,
  poolMax: Config.integer("SYSTEM_DB_POOL_MAX").pipe(Config.withDefault(2)),
}).pipe(Config.map(({ url, settings, poolMax }) => ({ ...settings, poolMax, url })));

export interface SystemDbShape {
  readonly sql: postgres.Sql;
  readonly options: Db.DbOptions;
}

/**
 * Work that must cross tenants (operators, provisioning). A separate pool and a separate tag:
 * nothing in the tenant path can reach it, and every use of it is visible in the types.
 */
export class SystemDb extends Context.Tag("@beep/shared-server/SystemDb")<SystemDb, SystemDbShape>() {}

export interface SystemTxShape {
  readonly db: Db.Drizzle;
}

/** The current system transaction (role `beep_admin`); only `transaction` provides it. */
export class SystemTx extends Context.Tag("@beep/shared-server/SystemTx")<SystemTx, SystemTxShape>() {}

const make = (options: Db.DbOptions) => Effect.map(Db.make(options), ({ sql }): SystemDbShape => ({ sql, options }));

/** `SystemDb` from `Config` (`ADMIN_DATABASE_URL`). */
export const layer: Layer.Layer<SystemDb, ConfigError.ConfigError> = Layer.scoped(
  SystemDb,
  Effect.flatMap(config, make),
);

/** `SystemDb` for an explicit admin URL; other settings from `Config`, then `overrides`. */
export const layerFromUrl = (
  url: string,
  overrides: Partial<Db.DbSettings> = {},
): Layer.Layer<SystemDb, ConfigError.ConfigError> =>
  Layer.scoped(
    SystemDb,
    Effect.flatMap(Db.settings, (fromConfig) =>
      make({ ...fromConfig, poolMax: 2, ...overrides, url: Redacted.make(url) }),
    ),
  );

/** Runs `effect` in one transaction as `beep_admin` (`SET LOCAL ROLE`), which bypasses tenant isolation. */
export const transaction = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<A, E | DbError, SystemDb | Exclude<R, SystemTx>> =>
  Effect.flatMap(SystemDb, ({ sql, options }) => {
    const { statement, lock, idle } = Db.unitSettings(options);
    return run(
      sql,
      {
        prelude: (reserved) => [
          reserved.unsafe(`set local role "${ROLE}"`),
          reserved`select current_user as role, set_config('statement_timeout', ${statement}, true), set_config('lock_timeout', ${lock}, true), set_config('idle_in_transaction_session_timeout', ${idle}, true)`,
        ],
        verify: ([, role]) =>
          role?.[0]?.role === ROLE ? undefined : new TenantAccessDenied({ detail: `could not assume role ${ROLE}` }),
        refuse: () => undefined,
        acquireTimeoutMs: options.acquireTimeoutMs,
        replyTimeoutMs: Db.replyTimeoutMs(options),
      },
      SystemTx,
      (db) => ({ db }),
      effect,
    );
  });

/** Runs Drizzle statements in the current system transaction. */
export const use = <A>(f: (db: Db.Drizzle) => PromiseLike<A>): Effect.Effect<A, DbError, SystemTx> =>
  Effect.flatMap(SystemTx, (tx) => Effect.tryPromise({ try: () => f(tx.db), catch: fromCause }));
