import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppRole, Cluster, ContextKey, Migrator } from "@beep/db-admin";
// Subpaths: the package index also loads the vitest helpers, which only work inside vitest.
import * as Citus from "@beep/testkit/citus";
import * as EmbeddedPostgres from "@beep/testkit/embedded";
import * as TestDatabase from "@beep/testkit/test-database";
import { Effect, Option, Redacted, type Scope } from "effect";
import postgres from "postgres";
import { DatabaseUnavailable } from "./BenchErrors.ts";
import * as BypassRole from "./BypassRole.ts";

export interface Server {
  readonly kind: "embedded" | "external";
  /** A superuser URL to the server's maintenance database. */
  readonly adminUrl: string;
  /** `SHOW server_version`, e.g. `18.1`. */
  readonly version: string;
  /** `SHOW shared_buffers`, e.g. `128MB`: tables larger than this are partly read from the OS cache. */
  readonly sharedBuffers: string;
  readonly sharedBuffersBytes: number;
}

/** A migrated database with the three logins the comparisons use, and its context key. */
export interface Database {
  readonly name: string;
  /** Superuser, owner of every table: loads data, bypasses RLS. */
  readonly adminUrl: string;
  /** `beep_app`: no BYPASSRLS, owns nothing; RLS applies. */
  readonly appUrl: string;
  /** `beep_bench_bypass`: BYPASSRLS, privileges of `beep_admin`. */
  readonly bypassUrl: string;
  /** This database's own context key (installed like `db:migrate` does): what tenant tickets are signed with. */
  readonly contextKey: string;
}

const unavailable = (step: string) => (cause: unknown) => new DatabaseUnavailable({ step, cause });

const settingsOf = (adminUrl: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 })),
    (sql) =>
      Effect.tryPromise({
        try: async () => {
          const [row] = await sql<Array<{ version: string; buffers: string; bytes: string }>>`
            SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS buffers,
              pg_size_bytes(current_setting('shared_buffers')) AS bytes`;
          return {
            version: row?.version ?? "unknown",
            sharedBuffers: row?.buffers ?? "unknown",
            sharedBuffersBytes: Number(row?.bytes ?? Number.NaN),
          };
        },
        catch: unavailable("connect"),
      }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  );

/**
 * Settings of the embedded cluster, applied with ALTER SYSTEM and a restart. Like the test clusters it is
 * throwaway (no crash safety needed); unlike them it gets shared buffers that hold the largest data set,
 * as a server sized for its data would.
 */
export const EMBEDDED_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: "1GB",
  fsync: "off",
  synchronous_commit: "off",
};

const alterSystem = (adminUrl: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(adminUrl, { max: 1, onnotice: () => {} })),
    (sql) =>
      Effect.tryPromise({
        try: async () => {
          for (const [name, value] of Object.entries(EMBEDDED_SETTINGS)) {
            await sql.unsafe(`ALTER SYSTEM SET ${name} = '${value}'`);
          }
        },
        catch: unavailable("configure embedded PostgreSQL"),
      }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  );

/** An embedded PostgreSQL in a fresh temp dir, configured, removed with the scope. */
const embedded = Effect.gen(function* () {
  const root = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "beep-bench-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
  );
  const dataDir = join(root, "data");
  const boot = Effect.tryPromise({
    try: () => EmbeddedPostgres.startEmbedded({ persistent: true, dataDir }),
    catch: unavailable("start embedded PostgreSQL"),
  });
  const first = yield* boot;
  yield* alterSystem(first.adminUrl).pipe(Effect.ensuring(Effect.promise(() => first.stop())));
  // The data dir is kept across this restart, which is what applies shared_buffers.
  return yield* Effect.acquireRelease(boot, (server) => Effect.promise(() => server.stop()));
});

/** `databaseUrl` (a superuser URL of a throwaway server) when given, else an embedded PostgreSQL in a temp dir. */
export const start = (databaseUrl: Option.Option<string>): Effect.Effect<Server, DatabaseUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    if (Option.isSome(databaseUrl)) {
      const settings = yield* settingsOf(databaseUrl.value);
      return { kind: "external", adminUrl: databaseUrl.value, ...settings } as const;
    }
    const server = yield* embedded;
    const settings = yield* settingsOf(server.adminUrl);
    return { kind: "embedded", adminUrl: server.adminUrl, ...settings } as const;
  });

/** Passwords for this run only; the roles' passwords are reset by every run. */
export interface Passwords {
  readonly app: string;
  readonly bypass: string;
}

export const randomPasswords = (): Passwords => ({
  app: randomBytes(18).toString("base64url"),
  bypass: randomBytes(18).toString("base64url"),
});

/** Drops the bypass role when the scope closes; call it before creating the databases, so it runs after their drop. */
export const dropBypassRoleOnClose = (server: Server): Effect.Effect<void, never, Scope.Scope> =>
  Effect.addFinalizer(() => BypassRole.drop(server.adminUrl).pipe(Effect.ignore));

/**
 * A fresh database, migrated, with a context key of its own installed, `beep_app` and the bypass role able to
 * log in; dropped with the scope.
 */
export const create = (
  server: Server,
  prefix: string,
  passwords: Passwords,
): Effect.Effect<Database, DatabaseUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const created = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => TestDatabase.create(server.adminUrl, prefix), catch: unavailable("create") }),
      (database) => Effect.promise(() => database.drop()),
    );
    yield* Migrator.migrate({ url: created.url }).pipe(Effect.mapError(unavailable("migrate")));
    const contextKey = ContextKey.generate();
    yield* ContextKey.install(created.url, Option.some(Redacted.make(contextKey))).pipe(
      Effect.mapError(unavailable("install the context key")),
    );
    const appUrl = yield* AppRole.provision(created.url, passwords.app).pipe(
      Effect.mapError(unavailable("provision beep_app")),
    );
    const bypassUrl = yield* BypassRole.provision(created.url, passwords.bypass);
    return { name: created.name, adminUrl: created.url, appUrl, bypassUrl, contextKey };
  });

/** A postgres.js pool closed with the scope. */
export const pool = (url: string, max: number): Effect.Effect<postgres.Sql, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => postgres(url, { max, onnotice: () => {}, idle_timeout: 0 })),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  );

/**
 * `citusUrl`'s cluster (a superuser URL of its coordinator; left running), else a coordinator and two workers
 * started for the run (`Citus.startCluster`), stopped and removed with the scope.
 */
export const citusCluster = (
  citusUrl: string | undefined,
): Effect.Effect<Citus.CitusCluster, DatabaseUnavailable, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => (citusUrl === undefined ? Citus.startCluster() : Citus.fromUrl(citusUrl)),
      catch: unavailable("start the Citus cluster"),
    }),
    (cluster) => Effect.promise(() => cluster.stop().catch(() => {})),
  );

/** Shards per distributed table: a few per worker, as a small cluster has. */
export const SHARD_COUNT = 8;

/** A database of a Citus cluster's servers, with a login of its own that acts as `beep_app`. */
export interface ClusterDatabase {
  readonly name: string;
  readonly adminUrl: string;
  readonly appUrl: string;
  readonly contextKey: string;
}

/**
 * A fresh database on `cluster`, migrated, with a context key of its own, dropped with the scope. `distributed`:
 * on every node with the extension, then distributed as `db:migrate` does (`Cluster.settle`, the key copied to
 * the workers); else a plain database on the coordinator's server (the same PostgreSQL, without Citus in it).
 * Tenant transactions log in as a role of the database's own (`AppRole.databaseLogin`): the cluster's
 * `beep_app` is left as it is.
 */
export const createOnCluster = (
  cluster: Citus.CitusCluster,
  prefix: string,
  distributed: boolean,
): Effect.Effect<ClusterDatabase, DatabaseUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const created = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          distributed ? Citus.createDatabase(cluster, prefix) : TestDatabase.create(cluster.adminUrl, prefix),
        catch: unavailable("create on the Citus cluster"),
      }),
      (database) => Effect.promise(() => database.drop().catch(() => {})),
    );
    yield* Migrator.migrate({ url: created.url }).pipe(Effect.mapError(unavailable("migrate")));
    const contextKey = ContextKey.generate();
    yield* ContextKey.install(created.url, Option.some(Redacted.make(contextKey))).pipe(
      Effect.mapError(unavailable("install the context key")),
    );
    yield* Cluster.settle(created.url, { shardCount: SHARD_COUNT }).pipe(Effect.mapError(unavailable("distribute")));
    const login = yield* Effect.acquireRelease(
      AppRole.databaseLogin(cluster.adminUrl, created.name).pipe(Effect.mapError(unavailable("login as beep_app"))),
      (login) => Effect.ignore(login.drop),
    );
    return { name: created.name, adminUrl: created.url, appUrl: login.url, contextKey };
  });
