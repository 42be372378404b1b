import { randomBytes } from "node:crypto";
import { AppRole, Migrator } from "@beep/db-admin";
// Subpaths: the package index also loads the vitest helpers, which only work inside vitest.
import * as EmbeddedPostgres from "@beep/testkit/EmbeddedPostgres";
import * as TestDatabase from "@beep/testkit/TestDatabase";
import { Effect, Option, type Scope } from "effect";
import postgres from "postgres";
import { DatabaseUnavailable } from "./BenchErrors.ts";
import * as BypassRole from "./BypassRole.ts";

export interface Server {
  readonly kind: "embedded" | "external";
  /** A superuser URL to the server's maintenance database. */
  readonly adminUrl: string;
  /** `SHOW server_version`, e.g. `18.1`. */
  readonly version: string;
}

/** A migrated database with the three logins the comparisons use. */
export interface Database {
  readonly name: string;
  /** Superuser, owner of every table: loads data, bypasses RLS. */
  readonly adminUrl: string;
  /** `beep_app`: no BYPASSRLS, owns nothing; RLS applies. */
  readonly appUrl: string;
  /** `beep_bench_bypass`: BYPASSRLS, privileges of `beep_admin`. */
  readonly bypassUrl: string;
}

const unavailable = (step: string) => (cause: unknown) => new DatabaseUnavailable({ step, cause });

const versionOf = (adminUrl: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 })),
    (sql) =>
      Effect.tryPromise({
        try: async () => {
          const [row] = await sql<Array<{ server_version: string }>>`SHOW server_version`;
          return row?.server_version ?? "unknown";
        },
        catch: unavailable("connect"),
      }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  );

/** `databaseUrl` (a superuser URL of a throwaway server) when given, else an embedded PostgreSQL in a temp dir. */
export const start = (databaseUrl: Option.Option<string>): Effect.Effect<Server, DatabaseUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    if (Option.isSome(databaseUrl)) {
      const version = yield* versionOf(databaseUrl.value);
      return { kind: "external", adminUrl: databaseUrl.value, version } as const;
    }
    const embedded = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => EmbeddedPostgres.startEmbedded({ persistent: false }),
        catch: unavailable("start embedded PostgreSQL"),
      }),
      (server) => Effect.promise(() => server.stop()),
    );
    const version = yield* versionOf(embedded.adminUrl);
    return { kind: "embedded", adminUrl: embedded.adminUrl, version } as const;
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

/** A fresh database, migrated, with `beep_app` and the bypass role able to log in; dropped with the scope. */
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
    const appUrl = yield* AppRole.provision(created.url, passwords.app).pipe(
      Effect.mapError(unavailable("provision beep_app")),
    );
    const bypassUrl = yield* BypassRole.provision(created.url, passwords.bypass);
    return { name: created.name, adminUrl: created.url, appUrl, bypassUrl };
  });

/** A postgres.js pool closed with the scope. */
export const pool = (url: string, max: number): Effect.Effect<postgres.Sql, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => postgres(url, { max, onnotice: () => {}, idle_timeout: 0 })),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  );
