import * as Schema from "@beep/db-admin/schema";
import { SharedEntityIds } from "@beep/shared-domain";
import { Db, DbErrors, TenantDb } from "@beep/shared-server";
import { ContextTicket, SharedTables, TenantContext } from "@beep/shared-tables";
import * as HttpServer from "@effect/platform/HttpServer";
import { is } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import {
  Config,
  type ConfigError,
  Console,
  Data,
  Duration,
  Effect,
  Either,
  Layer,
  Option,
  Redacted,
  Schedule,
} from "effect";
import postgres from "postgres";
import * as HealthCheck from "./HealthCheck.ts";
import * as HttpConfig from "./HttpConfig.ts";
import * as Oidc from "./Oidc.ts";
import * as PortCheck from "./PortCheck.ts";
import * as Server from "./Server.ts";
import * as Token from "./Token.ts";

/**
 * `bun run start`: the API for production. No embedded database, no seeding, no default secret: it reads its
 * settings, checks them and the database, and only then listens. Anything wrong stops it with one line.
 */

/** Why `bun run start` did not start: one line, safe to print (no secret, no password). */
export class StartRefused extends Data.TaggedError("StartRefused")<{ readonly reason: string }> {
  override get message() {
    return this.reason;
  }
}

const refuse = (reason: string) => new StartRefused({ reason });

export const MIGRATE_COMMAND = "bun run db:migrate";

export interface StartConfig {
  readonly host: string;
  readonly port: number;
  readonly appUrl: Redacted.Redacted<string>;
  readonly contextKey: Redacted.Redacted<string>;
  readonly authSecret: Redacted.Redacted<string>;
  /** The identity provider (`AUTH_JWKS_URL`, `AUTH_ISSUER`, `AUTH_AUDIENCE`, ...), if one is configured. */
  readonly identityProvider: Option.Option<Oidc.Settings>;
  /** The runtime pool's settings (`DATABASE_POOL_MODE`, `DB_POOL_MAX`, timeouts). */
  readonly settings: Db.DbSettings;
  /** `DB_STARTUP_WAIT_SECONDS`: how long an unreachable database is waited for before refusing. */
  readonly startupWait: Duration.Duration;
  /** `CORS_ORIGINS` and `PUBLIC_URL`. */
  readonly http: HttpConfig.HttpSettings;
  /** `HEALTH_DEADLINE_MS`: how long `/health`'s database check may take before it answers 503. */
  readonly healthDeadline: Duration.Duration;
}

export const DEFAULT_STARTUP_WAIT_SECONDS = 30;

const isPostgresUrl = (value: string) => {
  try {
    return ["postgres:", "postgresql:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/** Unset and empty are the same: not set. */
const setting = (name: string) =>
  Config.option(Config.string(name)).pipe(Config.map(Option.filter((value) => value.trim() !== "")));

/** One line for a `ConfigError`, however nested: `PORT: Expected a network port value but received abc`. */
export const describeConfigError = (error: ConfigError.ConfigError): string => {
  const leaves: Array<string> = [];
  const walk = (e: ConfigError.ConfigError): void => {
    switch (e._op) {
      case "And":
      case "Or":
        walk(e.left);
        walk(e.right);
        return;
      default:
        leaves.push(`${e.path.join(".")}: ${e.message}`);
    }
  };
  walk(error);
  return [...new Set(leaves)].join("; ");
};

const rest = Config.all({
  host: Config.string("HOST").pipe(Config.withDefault("0.0.0.0")),
  // Config.port lets some words through as NaN: an integer in range, checked here.
  port: Config.integer("PORT").pipe(
    Config.validate({ message: "expected a port number (0-65535)", validation: (port) => port >= 0 && port <= 65535 }),
    Config.withDefault(3000),
  ),
  settings: Db.settings,
  startupWaitSeconds: Config.integer("DB_STARTUP_WAIT_SECONDS").pipe(
    Config.validate({ message: "expected 0 or more seconds", validation: (seconds) => seconds >= 0 }),
    Config.withDefault(DEFAULT_STARTUP_WAIT_SECONDS),
  ),
  http: HttpConfig.config,
  healthDeadline: HealthCheck.deadline,
});

/**
 * Every setting, checked together: the line names each one missing or invalid (required: `AUTH_SECRET`,
 * `APP_DATABASE_URL`, `BEEP_CONTEXT_KEY`; the identity provider's three together or none), so one failed start
 * shows everything to fix.
 */
export const config: Effect.Effect<StartConfig, StartRefused> = Effect.gen(function* () {
  const authSecret = yield* Effect.orDie(setting("AUTH_SECRET"));
  const appUrl = yield* Effect.orDie(setting("APP_DATABASE_URL"));
  const contextKey = yield* Effect.orDie(setting("BEEP_CONTEXT_KEY"));
  const others = yield* Effect.either(rest);
  const identityProvider = yield* Effect.either(Oidc.settings);
  const problems: Array<string> = [];
  if (Option.isNone(authSecret)) {
    problems.push(`AUTH_SECRET is not set (tokens are signed with it: at least ${Token.MIN_SECRET_LENGTH} characters)`);
  } else if (authSecret.value.length < Token.MIN_SECRET_LENGTH) {
    problems.push(
      `AUTH_SECRET must be at least ${Token.MIN_SECRET_LENGTH} characters (got ${authSecret.value.length})`,
    );
  }
  if (Option.isNone(appUrl)) {
    problems.push("APP_DATABASE_URL is not set (beep_app's connection string)");
  } else if (!isPostgresUrl(appUrl.value)) {
    problems.push("APP_DATABASE_URL is not a postgres:// connection string");
  }
  if (Option.isNone(contextKey)) {
    problems.push("BEEP_CONTEXT_KEY is not set (the key `bun run db:migrate` installed in the database)");
  } else if (contextKey.value.length < ContextTicket.MIN_KEY_LENGTH) {
    problems.push(
      `BEEP_CONTEXT_KEY must be at least ${ContextTicket.MIN_KEY_LENGTH} characters (got ${contextKey.value.length})`,
    );
  }
  if (Either.isLeft(identityProvider)) problems.push(...identityProvider.left.problems);
  if (Either.isLeft(others)) problems.push(describeConfigError(others.left));
  if (problems.length > 0 || Either.isLeft(others) || Either.isLeft(identityProvider)) {
    return yield* refuse(problems.join("; "));
  }
  const { host, port, settings, startupWaitSeconds, http, healthDeadline } = others.right;
  return {
    host,
    port,
    settings,
    http,
    healthDeadline,
    startupWait: Duration.seconds(startupWaitSeconds),
    appUrl: Redacted.make(Option.getOrThrow(appUrl)),
    contextKey: Redacted.make(Option.getOrThrow(contextKey)),
    authSecret: Redacted.make(Option.getOrThrow(authSecret)),
    identityProvider: identityProvider.right,
  };
});

/** `host:port/database as user`: how lines name the database, never with the password. */
export const describeDatabase = (url: string): string => {
  try {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default database)";
    const user = decodeURIComponent(parsed.username) || "(default user)";
    return `${parsed.hostname}:${parsed.port || "5432"}/${database} as ${user}`;
  } catch {
    return "(unparsable APP_DATABASE_URL)";
  }
};

/** Every table and column the server's code reads or writes: what the migrations must have created. */
export const expectedColumns = (): ReadonlyArray<{ readonly table: string; readonly column: string }> => {
  const tables = [...Object.values(Schema), SharedTables.auditEvent].filter((value) => is(value, PgTable));
  const seen = new Set<string>();
  const columns: Array<{ table: string; column: string }> = [];
  for (const table of tables) {
    const { name, schema, columns: defined } = getTableConfig(table);
    if (schema !== undefined && schema !== "public") continue;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const column of defined) columns.push({ table: name, column: column.name });
  }
  return columns;
};

interface Probe {
  readonly user: string;
  readonly superuser: boolean;
  readonly bypassRls: boolean;
  readonly missingColumns: ReadonlyArray<string>;
  readonly missingFunctions: ReadonlyArray<string>;
}

// One connection, one round trip per query, nothing prepared: it works straight or behind a transaction pooler.
// The catalogs it reads (pg_roles, pg_class, pg_attribute, pg_proc) are readable by any role, beep_app too.
const probeOnce = (url: string, connectTimeoutSeconds: number) =>
  Effect.acquireUseRelease(
    Effect.sync(() =>
      postgres(url, {
        max: 1,
        connect_timeout: connectTimeoutSeconds,
        prepare: false,
        fetch_types: false,
        onnotice: () => {},
        connection: { application_name: "beep-start" },
      }),
    ),
    (sql) =>
      Effect.tryPromise({
        try: async (): Promise<Probe> => {
          const [role] =
            await sql`select current_user as "user", rolsuper, rolbypassrls from pg_catalog.pg_roles where rolname = current_user`;
          const expected = expectedColumns();
          const missing = await sql`
            select e.t || '.' || e.c as name
            from json_to_recordset((${JSON.stringify(expected.map(({ table, column }) => ({ t: table, c: column })))}::text)::json) as e(t text, c text)
            where not exists (
              select 1 from pg_catalog.pg_attribute a
              join pg_catalog.pg_class k on k.oid = a.attrelid
              join pg_catalog.pg_namespace n on n.oid = k.relnamespace
              where n.nspname = 'public' and k.relname = e.t and a.attname = e.c and a.attnum > 0 and not a.attisdropped
            )`;
          const functions = await sql`
            select f as name from json_array_elements_text((${JSON.stringify(TenantContext.CHECK_FUNCTIONS.map((f) => f.replace(/\(.*\)$/, "")))}::text)::json) as f
            where not exists (
              select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
              where n.nspname || '.' || p.proname = f
            )`;
          return {
            user: String(role?.user ?? ""),
            superuser: role?.rolsuper === true,
            bypassRls: role?.rolbypassrls === true,
            missingColumns: missing.map((row) => String(row.name)),
            missingFunctions: functions.map((row) => `${row.name}()`),
          };
        },
        catch: DbErrors.fromCause,
      }),
    (sql) => Effect.promise(() => sql.end({ timeout: 1 }).catch(() => {})),
  );

// Unreachable (refused, reset, timed out, starting up, too many connections): worth waiting for. A refused login
// (28xxx) or a database that does not exist (3D000) will not fix itself.
const isTransient = (error: DbErrors.DbError) =>
  error._tag === "DatabaseUnavailable" && !(error.code?.startsWith("28") ?? false) && error.code !== "3D000";

/** Reaches the database, waiting up to `wait` (retrying with backoff) while it is unreachable. */
const probe = (url: string, wait: Duration.Duration, log: (line: string) => Effect.Effect<void>) => {
  const where = describeDatabase(url);
  const waitMs = Duration.toMillis(wait);
  return Effect.gen(function* () {
    const started = Date.now();
    let warned = false;
    const attempt = Effect.suspend(() => {
      const leftSeconds = Math.max(1, Math.ceil((waitMs - (Date.now() - started)) / 1000));
      return probeOnce(url, Math.min(5, leftSeconds));
    }).pipe(
      Effect.tapError((error) =>
        isTransient(error) && !warned && waitMs > 0
          ? Effect.zipRight(
              Effect.sync(() => {
                warned = true;
              }),
              log(`waiting up to ${Duration.format(wait)} for the database ${where} (${error.message})`),
            )
          : Effect.void,
      ),
    );
    return yield* attempt.pipe(
      Effect.retry({
        while: (error) => isTransient(error) && Date.now() - started < waitMs,
        schedule: Schedule.exponential("200 millis").pipe(Schedule.union(Schedule.spaced("2 seconds"))),
      }),
      Effect.mapError((error) => {
        if (error._tag === "DatabaseUnavailable" && error.code?.startsWith("28") === true) {
          return refuse(`the database ${where} refused the login (${error.message}): check APP_DATABASE_URL`);
        }
        if (error._tag === "DatabaseUnavailable" && error.code === "3D000") {
          return refuse(`the database ${where} does not exist (${error.message}): check APP_DATABASE_URL`);
        }
        if (isTransient(error)) {
          return refuse(
            `the database ${where} is unreachable${waitMs > 0 ? ` after waiting ${Duration.format(wait)}` : ""} (${error.message}): check APP_DATABASE_URL and that PostgreSQL is up`,
          );
        }
        return refuse(`cannot check the database ${where}: ${error.message.slice(0, 200)}`);
      }),
    );
  });
};

/** What `checkDatabase` found: the runtime role's name, for the ready line. */
export interface DatabaseChecked {
  readonly user: string;
}

/**
 * Before listening, as the runtime role itself:
 * 1. the database answers (waiting up to `startupWait` while it is unreachable);
 * 2. the login is neither a superuser nor BYPASSRLS (row-level security must apply to it);
 * 3. every table and column the server's code uses exists, and so do the tenant-context functions: a database
 *    with no migrations, or behind this server's, is refused with `bun run db:migrate`;
 * 4. one tenant unit of work for a fresh organization id, through the runtime pool (`TenantDb`): the database
 *    accepts a ticket signed with `BEEP_CONTEXT_KEY`, so the key matches the one `db:migrate` installed.
 */
export const checkDatabase = (
  startConfig: Pick<StartConfig, "appUrl" | "startupWait">,
  log: (line: string) => Effect.Effect<void> = () => Effect.void,
): Effect.Effect<DatabaseChecked, StartRefused, TenantDb.TenantDb> =>
  Effect.gen(function* () {
    const url = Redacted.value(startConfig.appUrl);
    const where = describeDatabase(url);
    const found = yield* probe(url, startConfig.startupWait, log);
    if (found.superuser || found.bypassRls) {
      return yield* refuse(
        `APP_DATABASE_URL logs in as ${found.user}, which ${found.superuser ? "is a superuser" : "has BYPASSRLS"}: row-level security would not apply to it; use the runtime role beep_app`,
      );
    }
    const missing = [...found.missingFunctions, ...found.missingColumns];
    if (missing.length > 0) {
      const none = found.missingColumns.length === expectedColumns().length;
      const shown = missing.slice(0, 3).join(", ") + (missing.length > 3 ? ` and ${missing.length - 3} more` : "");
      return yield* refuse(
        none
          ? `the database ${where} has no migrations (none of the tables exist): run \`${MIGRATE_COMMAND}\` (DATABASE_URL as the owner, with BEEP_CONTEXT_KEY) first`
          : `the database ${where} is behind this server's migrations (missing ${shown}): run \`${MIGRATE_COMMAND}\` (DATABASE_URL as the owner, with BEEP_CONTEXT_KEY) first`,
      );
    }
    yield* TenantDb.withOrg(SharedEntityIds.OrganizationId.create())(Effect.void).pipe(
      Effect.mapError((error) =>
        error._tag === "TenantContextMissing"
          ? refuse(
              `the database ${where} did not accept a tenant ticket signed with BEEP_CONTEXT_KEY: it differs from the key \`${MIGRATE_COMMAND}\` installed there, or this host's clock is off by more than a minute`,
            )
          : refuse(`a tenant unit of work on the database ${where} failed: ${error.message.slice(0, 200)}`),
      ),
    );
    return { user: found.user };
  });

/**
 * Reads and checks the settings, checks the port and the database, then serves until interrupted (SIGINT,
 * SIGTERM): it stops accepting, lets in-flight requests finish (up to `Server.DRAIN_DEADLINE`), then closes the
 * pools. Request lines go to stdout (`RequestLog`); its own lines go to stderr.
 */
export const program = Effect.gen(function* () {
  const log = (line: string) => Console.error(`beep start: ${line}`);
  const startConfig = yield* config;
  const tokens = yield* Token.make(startConfig.authSecret).pipe(Effect.mapError((error) => refuse(error.message)));
  yield* PortCheck.ensureFree(startConfig.host, startConfig.port).pipe(
    Effect.mapError((error) =>
      refuse(
        error._tag === "PortInUse"
          ? `port ${startConfig.port} on ${startConfig.host} is already in use: stop what holds it or set PORT`
          : error.message,
      ),
    ),
  );
  const appUrl = Redacted.value(startConfig.appUrl);
  const pools = yield* Layer.build(
    Server.database(appUrl, Redacted.value(startConfig.contextKey), startConfig.settings, startConfig.healthDeadline),
  ).pipe(Effect.mapError((error) => refuse(describeConfigError(error))));
  const checked = yield* Effect.provide(checkDatabase(startConfig, log), pools);
  const context = yield* Layer.build(
    Server.layer({ port: startConfig.port, host: startConfig.host, ...startConfig.http }).pipe(
      Layer.provide(Layer.succeedContext(pools)),
      Layer.provide(Layer.succeed(Token.Tokens, tokens)),
      Layer.provide(Oidc.layer(startConfig.identityProvider)),
    ),
  );
  const { address } = yield* Effect.provide(HttpServer.HttpServer, context);
  const port = address._tag === "TcpAddress" ? address.port : startConfig.port;
  yield* Effect.addFinalizer(() => log("shutting down: finishing in-flight requests"));
  yield* log(
    `listening on http://${startConfig.host}:${port} (database ${describeDatabase(appUrl).replace(/ as .*$/, "")} as ${checked.user}, pool mode ${startConfig.settings.poolMode})`,
  );
  return yield* Effect.never;
});
