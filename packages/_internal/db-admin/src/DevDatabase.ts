import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
// The embedded server alone: the testkit index also loads vitest, which a running app must not.
import * as EmbeddedPostgres from "@beep/testkit/embedded";
import { Config, type ConfigError, Console, Data, Effect, Option, Redacted, Schedule, type Scope } from "effect";
import type postgres from "postgres";
import * as AppRole from "./AppRole.ts";
import * as ContextKey from "./ContextKey.ts";
import { PACKAGE_DIR } from "./DrizzleKit.ts";
import * as Sql from "./internal/sql.ts";
import * as Upgrade from "./Upgrade.ts";

/**
 * The local development database: an embedded PostgreSQL 18 whose data lives in `.data/postgres` at the repo
 * root and survives restarts. A cluster already running there (say, held by the dev server) is reused, never
 * started twice. `make` is what an app needs in development:
 *
 * ```ts
 * const { adminUrl, appUrl } = yield* DevDatabase.make; // scoped: stops the cluster if it started it
 * ```
 *
 * Config: `BEEP_PG_PORT` (default 54329), `BEEP_PG_DATA_DIR` (default `<repo>/.data/postgres`),
 * `BEEP_APP_PASSWORD` and `BEEP_CONTEXT_KEY` (default: random ones made on first use and kept in the data
 * folder, never a public default). Progress lines go to stderr.
 */
export interface DevDatabase {
  /** Superuser connection to the `beep` database: migrations and operations only. */
  readonly adminUrl: string;
  /** `beep_app`, the role RLS applies to: what the app connects with. */
  readonly appUrl: string;
  /** What the runtime signs tenant tickets with: the key this database checks them against. */
  readonly contextKey: string;
}

export const DATABASE = "beep";
export const DEFAULT_PORT = 54329;

/** The dev database's own secrets, made at random on first use and kept beside its data (mode 0600). */
export interface DevSecrets {
  readonly appPassword: string;
  readonly contextKey: string;
}

export const SECRETS_FILE = "beep-dev-secrets.json";

/** The dev cluster could not be started, reached, or given its database. */
export class DevDatabaseError extends Data.TaggedError("DevDatabaseError")<{
  readonly reason: string;
  readonly cause?: unknown;
}> {
  override get message() {
    const detail = this.cause instanceof Error ? `: ${this.cause.message.split("\n")[0]}` : "";
    return `dev database: ${this.reason}${detail}`;
  }
}

export interface ServerOptions {
  readonly dataDir: string;
  readonly port: number;
}

export interface Server {
  /** Superuser connection to the `beep` database. */
  readonly adminUrl: string;
  readonly secrets: DevSecrets;
  readonly port: number;
  /** False when another process runs the cluster; it is then left running at the end of the scope. */
  readonly startedHere: boolean;
}

/** The repository root: the nearest folder above this package whose package.json declares workspaces. */
export const repoRoot = (): string => {
  let dir = PACKAGE_DIR;
  while (dirname(dir) !== dir) {
    dir = dirname(dir);
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && "workspaces" in JSON.parse(readFileSync(manifest, "utf8"))) return dir;
  }
  return join(PACKAGE_DIR, "..", "..", "..");
};

export const defaultDataDir = (): string => join(repoRoot(), ".data", "postgres");

const shown = (dataDir: string) => {
  const fromRoot = relative(repoRoot(), dataDir);
  return fromRoot.startsWith("..") || isAbsolute(fromRoot) ? dataDir : fromRoot;
};

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
};

/** The postmaster of `dataDir`, when one is running: its pid file names the process and the port. */
export const runningPostmaster = (dataDir: string): { readonly pid: number; readonly port: number } | undefined => {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(pidLine);
  const port = Number(portLine);
  return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) && isAlive(pid) ? { pid, port } : undefined;
};

const withClient = <A>(url: string, f: (sql: postgres.Sql) => Promise<A>) => Sql.use(url, f, (cause) => cause);

/** Waits for a server another process runs (it may still be starting) to answer. */
const answers = (url: string) =>
  withClient(url, (sql) => sql`select 1`).pipe(
    Effect.retry({ schedule: Schedule.spaced("250 millis"), times: 20 }),
    Effect.asVoid,
  );

const ensureDatabase = (clusterUrl: string) =>
  withClient(clusterUrl, async (sql) => {
    const [found] = await sql`select 1 as found from pg_database where datname = ${DATABASE}`;
    if (found !== undefined) return false;
    // Two commands starting at once may both try: the loser's duplicate_database is fine.
    await sql.unsafe(`CREATE DATABASE "${DATABASE}"`).catch((error: { code?: string }) => {
      if (error.code !== "42P04") throw error;
    });
    return true;
  }).pipe(
    Effect.mapError((cause) => new DevDatabaseError({ reason: `cannot create database ${DATABASE}`, cause })),
    Effect.tap((created) => (created ? Console.error(`created database ${DATABASE}`) : Effect.void)),
  );

const reuse = (dataDir: string, running: { pid: number; port: number }) =>
  Effect.gen(function* () {
    yield* Console.error(
      `using the PostgreSQL already running in ${shown(dataDir)} (pid ${running.pid}, port ${running.port})`,
    );
    const url = EmbeddedPostgres.adminUrlFor(running.port);
    yield* answers(url).pipe(
      Effect.mapError(
        (cause) =>
          new DevDatabaseError({
            reason: `the PostgreSQL running in ${shown(dataDir)} (pid ${running.pid}) does not answer on port ${running.port}`,
            cause,
          }),
      ),
    );
    return { clusterUrl: url, port: running.port, startedHere: false };
  });

const start = (options: ServerOptions) =>
  Effect.gen(function* () {
    if (!existsSync(join(options.dataDir, "PG_VERSION"))) {
      yield* Console.error(`creating a new PostgreSQL cluster in ${shown(options.dataDir)} (first run)…`);
    }
    yield* Console.error(`starting embedded PostgreSQL in ${shown(options.dataDir)} on port ${options.port}…`);
    const server = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => EmbeddedPostgres.startEmbedded({ persistent: true, dataDir: options.dataDir, port: options.port }),
        catch: (cause) => cause,
      }),
      (started) =>
        Console.error(`stopping embedded PostgreSQL (data kept in ${shown(options.dataDir)})`).pipe(
          Effect.zipRight(Effect.promise(() => started.stop())),
        ),
    );
    return { clusterUrl: server.adminUrl, port: server.port, startedHere: true };
  });

/**
 * The cluster in `dataDir` with its `beep` database: started here (and stopped when the scope closes), or the
 * one already running there, left running.
 */
export const server = (options: ServerOptions): Effect.Effect<Server, DevDatabaseError, Scope.Scope> =>
  Effect.gen(function* () {
    const running = runningPostmaster(options.dataDir);
    const cluster = yield* running !== undefined
      ? reuse(options.dataDir, running)
      : start(options).pipe(
          Effect.catchAll((cause) => {
            // Another process may have won the race to start it.
            const winner = runningPostmaster(options.dataDir);
            if (winner !== undefined) return reuse(options.dataDir, winner);
            return Effect.fail(
              new DevDatabaseError({
                reason: `embedded PostgreSQL did not start in ${shown(options.dataDir)} on port ${options.port} (is the port taken? set BEEP_PG_PORT)`,
                cause,
              }),
            );
          }),
        );
    yield* ensureDatabase(cluster.clusterUrl);
    return {
      adminUrl: Sql.withDatabase(cluster.clusterUrl, DATABASE),
      secrets: yield* devSecrets(options.dataDir),
      port: cluster.port,
      startedHere: cluster.startedHere,
    };
  });

/** The secrets kept in `dataDir`, made there when missing. */
export const devSecrets = (dataDir: string): Effect.Effect<DevSecrets, DevDatabaseError> =>
  Effect.try({
    try: () => {
      const file = join(dataDir, SECRETS_FILE);
      if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as DevSecrets;
      const made: DevSecrets = { appPassword: ContextKey.generate(), contextKey: ContextKey.generate() };
      // "wx": of two commands starting at once, one writes; the other reads what it wrote.
      try {
        writeFileSync(file, `${JSON.stringify(made, null, 2)}\n`, { mode: 0o600, flag: "wx" });
        return made;
      } catch {
        return JSON.parse(readFileSync(file, "utf8")) as DevSecrets;
      }
    },
    catch: (cause) =>
      new DevDatabaseError({ reason: `cannot read or write ${SECRETS_FILE} in ${shown(dataDir)}`, cause }),
  });

const configuredServer = Config.all({
  port: Config.integer("BEEP_PG_PORT").pipe(Config.withDefault(DEFAULT_PORT)),
  dataDir: Config.string("BEEP_PG_DATA_DIR").pipe(Config.withDefault(defaultDataDir())),
});
const overrides = Config.all({
  appPassword: Config.option(Config.redacted("BEEP_APP_PASSWORD")),
  contextKey: Config.option(Config.redacted("BEEP_CONTEXT_KEY")),
});

/** `server` for `.data/postgres` at the repo root (or `BEEP_PG_DATA_DIR`), on `BEEP_PG_PORT`. */
export const serverFromConfig: Effect.Effect<Server, DevDatabaseError | ConfigError.ConfigError, Scope.Scope> =
  Effect.flatMap(configuredServer, server);

/** `make` for a given cluster; the password and key default to the dev database's own secrets. */
export const makeWith = (
  options: ServerOptions & { readonly appPassword?: string; readonly contextKey?: string },
): Effect.Effect<DevDatabase, DevDatabaseError | Upgrade.UpgradeError, Scope.Scope> =>
  Effect.gen(function* () {
    const { adminUrl, secrets } = yield* server(options);
    const contextKey = options.contextKey ?? secrets.contextKey;
    yield* Upgrade.run({
      url: adminUrl,
      contextKey: Option.some(Redacted.make(contextKey)),
      log: (line) => (line.startsWith("nothing to migrate") ? Effect.void : Console.error(line)),
    });
    const appUrl = yield* AppRole.provision(adminUrl, options.appPassword ?? secrets.appPassword);
    return { adminUrl, appUrl, contextKey };
  });

/**
 * The dev database ready for an app: running (started or reused), migrated (pending migrations applied),
 * beep_app able to log in, and the context key installed (`BEEP_APP_PASSWORD`, `BEEP_CONTEXT_KEY`, else its own).
 */
export const make: Effect.Effect<
  DevDatabase,
  DevDatabaseError | ConfigError.ConfigError | Upgrade.UpgradeError,
  Scope.Scope
> = Effect.gen(function* () {
  const options = yield* configuredServer;
  const given = yield* overrides;
  return yield* makeWith({
    ...options,
    ...Option.match(given.appPassword, { onNone: () => ({}), onSome: (p) => ({ appPassword: Redacted.value(p) }) }),
    ...Option.match(given.contextKey, { onNone: () => ({}), onSome: (k) => ({ contextKey: Redacted.value(k) }) }),
  });
});
