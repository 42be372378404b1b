import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { Config, type ConfigError, Context, Effect, Layer, Redacted, type Scope } from "effect";
import postgres from "postgres";
import { DatabaseUnavailable, type DbError, fromCause } from "./DbErrors.ts";

/**
 * How the pool reaches PostgreSQL. `direct` (the default): a connection is the runtime's for as long as it is
 * open, so statements are prepared once per connection. `transaction`: behind a transaction pooler (PgBouncer,
 * Supavisor, RDS Proxy, Neon's pooler), where consecutive transactions of one client connection may run on
 * different server connections: no named prepared statements, nothing kept between units of work.
 */
export type PoolMode = "direct" | "transaction";
export const POOL_MODES: ReadonlyArray<PoolMode> = ["direct", "transaction"];

/** How a pool connects. Every field but the URL has a `Config` default. */
export interface DbOptions {
  readonly url: Redacted.Redacted<string>;
  /** `DB_POOL_MAX`, default 10. */
  readonly poolMax: number;
  /** `DB_CONNECT_TIMEOUT_SECONDS`, default 10. */
  readonly connectTimeoutSeconds: number;
  /** `DB_IDLE_TIMEOUT_SECONDS`, default 30: idle connections are closed after this long. */
  readonly idleTimeoutSeconds: number;
  /** `DATABASE_POOL_MODE`, default `direct`. */
  readonly poolMode: PoolMode;
  /** `DB_STATEMENT_TIMEOUT_MS`, default 15000: set in each unit of work's first statement, enforced by the server. */
  readonly statementTimeoutMs: number;
  /** `DB_LOCK_TIMEOUT_MS`, default 5000: how long a statement waits for a lock, set like the statement timeout. */
  readonly lockTimeoutMs: number;
  /** `DB_IDLE_IN_TRANSACTION_TIMEOUT_MS`, default 30000: a unit of work idle this long is ended by the server. */
  readonly idleInTransactionTimeoutMs: number;
  /** `DB_ACQUIRE_TIMEOUT_MS`, default 10000: how long a unit of work waits for a pooled connection. */
  readonly acquireTimeoutMs: number;
}

export type DbSettings = Omit<DbOptions, "url">;

/**
 * What the pool's database runs on, found on first use: `citus` when it has the Citus extension (the tenant context
 * must then be sent so that the coordinator carries it to the workers), else `postgres`.
 */
export type Engine = "postgres" | "citus";

/** The pool settings from `Config`, without the URL. */
export const settings: Config.Config<DbSettings> = Config.all({
  poolMax: Config.integer("DB_POOL_MAX").pipe(Config.withDefault(10)),
  connectTimeoutSeconds: Config.integer("DB_CONNECT_TIMEOUT_SECONDS").pipe(Config.withDefault(10)),
  idleTimeoutSeconds: Config.integer("DB_IDLE_TIMEOUT_SECONDS").pipe(Config.withDefault(30)),
  poolMode: Config.literal(...POOL_MODES)("DATABASE_POOL_MODE").pipe(Config.withDefault<PoolMode>("direct")),
  statementTimeoutMs: Config.integer("DB_STATEMENT_TIMEOUT_MS").pipe(Config.withDefault(15_000)),
  lockTimeoutMs: Config.integer("DB_LOCK_TIMEOUT_MS").pipe(Config.withDefault(5_000)),
  idleInTransactionTimeoutMs: Config.integer("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS").pipe(Config.withDefault(30_000)),
  acquireTimeoutMs: Config.integer("DB_ACQUIRE_TIMEOUT_MS").pipe(Config.withDefault(10_000)),
});

/** The runtime pool's whole configuration: `APP_DATABASE_URL` plus `settings`. */
export const config: Config.Config<DbOptions> = Config.all({
  url: Config.redacted("APP_DATABASE_URL"),
  settings,
}).pipe(Config.map(({ url, settings }) => ({ url, ...settings })));

export type Drizzle = PostgresJsDatabase<Record<string, never>>;

export interface DbShape {
  /** The postgres.js pool. Prefer `TenantDb.withOrg`: statements here run with no tenant, so RLS shows nothing. */
  readonly sql: postgres.Sql;
  /** Drizzle over the pool (no tenant context; for health checks and non-tenant reads). */
  readonly db: Drizzle;
  readonly options: DbOptions;
  /** The database's engine, asked once per pool (again after a failure to ask). */
  readonly engine: Effect.Effect<Engine, DbError>;
}

/** The runtime role's pool: logs in as `beep_app` (never the owner, never a superuser). */
export class Db extends Context.Tag("@beep/shared-server/Db")<Db, DbShape>() {}

/** Opens a pool; it is closed when the scope ends. */
export const make = (options: DbOptions): Effect.Effect<DbShape, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const sql = postgres(Redacted.value(options.url), {
        max: options.poolMax,
        connect_timeout: options.connectTimeoutSeconds,
        idle_timeout: options.idleTimeoutSeconds,
        onnotice: () => {},
        // Only what every pooler accepts at startup; the timeouts go with each unit of work (`unitSettings`).
        connection: { application_name: "beep" },
        // Named prepared statements live on one server connection, which a transaction pooler does not keep.
        prepare: options.poolMode === "direct",
      });
      let engine: Engine | undefined;
      const detect = Effect.tryPromise({
        try: () =>
          sql.unsafe("select exists (select 1 from pg_extension where extname = 'citus') as citus", [], {
            prepare: false,
          }),
        catch: fromCause,
      }).pipe(
        Effect.timeoutFail({
          duration: options.acquireTimeoutMs + replyTimeoutMs(options),
          onTimeout: () => new DatabaseUnavailable({ detail: "no answer when asked for its extensions" }),
        }),
        Effect.map(([row]): Engine => (row?.citus === true ? "citus" : "postgres")),
        Effect.tap((found) => {
          engine = found;
        }),
      );
      // Drizzle sets its parsers on the pool's options once; transactions reuse them.
      return {
        sql,
        db: drizzle({ client: sql }),
        options,
        engine: Effect.suspend(() => (engine === undefined ? detect : Effect.succeed(engine))),
      };
    }),
    ({ sql }) => Effect.promise(() => sql.end({ timeout: 5 })),
  );

/**
 * The settings each unit of work sets for itself, transaction-local, in its first statement: nothing depends on
 * a connection's startup parameters or on what an earlier unit left in its session.
 */
export const unitSettings = (options: DbSettings) => ({
  statement: String(options.statementTimeoutMs),
  lock: String(options.lockTimeoutMs),
  idle: String(options.idleInTransactionTimeoutMs),
});

/**
 * How long the runtime waits for any answer before it closes the connection: the statement timeout (which the
 * server enforces first) and a second more, for a server or pooler that stops answering altogether.
 */
export const replyTimeoutMs = (options: DbSettings) => options.statementTimeoutMs + 1_000;

/** `Db` from `Config` (`APP_DATABASE_URL`, `DB_POOL_MAX`, timeouts). */
export const layer: Layer.Layer<Db, ConfigError.ConfigError> = Layer.scoped(Db, Effect.flatMap(config, make));

/** `Db` for an explicit URL; other settings from `Config`, then `overrides`. */
export const layerFromUrl = (
  url: string,
  overrides: Partial<DbSettings> = {},
): Layer.Layer<Db, ConfigError.ConfigError> =>
  Layer.scoped(
    Db,
    Effect.flatMap(settings, (fromConfig) => make({ ...fromConfig, ...overrides, url: Redacted.make(url) })),
  );
