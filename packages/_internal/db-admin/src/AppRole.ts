import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { Effect, Schedule } from "effect";
import type postgres from "postgres";
import * as Sql from "./internal/sql.ts";
import { MigrationUnavailable } from "./MigrationErrors.ts";
import { APP_ROLE, ensureRoleSql } from "./Roles.ts";

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

const withConnection = <A>(url: string, f: (sql: postgres.Sql) => Promise<A>) => Sql.use(url, f, (cause) => cause);

/** True when `url` logs in; used to skip rewriting a password that is already set. */
const canLogIn = (url: string) =>
  withConnection(url, (sql) => sql`select 1`).pipe(
    Effect.as(true),
    Effect.orElseSucceed(() => false),
  );

// Roles are cluster-wide: two databases provisioned at once can race on the same role row.
const isConcurrentUpdate = (cause: unknown) =>
  cause instanceof Error && cause.message.includes("tuple concurrently updated");

/** Iterations of PostgreSQL's own default (`scram_iterations`). */
const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password`, computed here so that the password itself never
 * reaches the server (nor its statement log). PostgreSQL takes a verifier in `PASSWORD '...'` as is. The password is
 * used as postgres.js uses it when logging in (no SASLprep; the same for ASCII).
 */
export const scramVerifier = (password: string, salt: Buffer = randomBytes(16)): string => {
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, "sha256");
  const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();
  const storedKey = createHash("sha256").update(hmac(salted, "Client Key")).digest();
  const serverKey = hmac(salted, "Server Key");
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
};

/**
 * Sets the runtime role's password (migrations never hold secrets), as a verifier, only when logging in with
 * `password` does not already work: `unchanged` writes nothing. Fails when the login still does not work after.
 */
export const setPassword = (
  adminUrl: string,
  password: string,
): Effect.Effect<"set" | "unchanged", MigrationUnavailable> => {
  const appUrl = urlFor(adminUrl, APP_ROLE, password);
  const write = withConnection(adminUrl, (sql) =>
    sql.unsafe(`ALTER ROLE "${APP_ROLE}" WITH LOGIN PASSWORD ${quoteLiteral(scramVerifier(password))}`),
  ).pipe(Effect.retry({ while: isConcurrentUpdate, schedule: Schedule.spaced("50 millis"), times: 5 }));
  const loginFails = new Error(`"${APP_ROLE}" cannot log in with the password just set (check pg_hba.conf)`);
  return canLogIn(appUrl).pipe(
    Effect.flatMap((ok) =>
      ok
        ? Effect.succeed("unchanged" as const)
        : write.pipe(
            Effect.zipRight(canLogIn(appUrl)),
            Effect.flatMap((after) => (after ? Effect.succeed("set" as const) : Effect.fail(loginFails))),
          ),
    ),
    Effect.mapError((cause) => new MigrationUnavailable({ cause })),
  );
};

/** Gives the runtime role `password` (see `setPassword`) and returns its connection string. */
export const provision = (adminUrl: string, password: string): Effect.Effect<string, MigrationUnavailable> =>
  Effect.as(setPassword(adminUrl, password), urlFor(adminUrl, APP_ROLE, password));

/** The same server and database as `url`, logged in as `user`. */
export const urlFor = (url: string, user: string, password: string): string => {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
};

/** PostgreSQL's limit on a role name, in bytes (longer names are truncated, so two could collide). */
const MAX_NAME_BYTES = 63;

/** The login role of one database's own: `<database>_app`, or a digest of the name when that is too long. */
export const loginRoleName = (databaseName: string): string => {
  const plain = `${databaseName}_app`;
  if (Buffer.byteLength(plain) <= MAX_NAME_BYTES) return plain;
  return `db_${createHash("sha256").update(databaseName).digest("hex").slice(0, 40)}_app`;
};

/** A login that acts as `beep_app` in one database, and how to remove it. */
export interface DatabaseLogin {
  /** The login role's name; `session_user` and `pg_stat_activity.usename` of its sessions. */
  readonly role: string;
  /** The database `databaseName` on the server of `adminUrl`, logged in as `role`. */
  readonly url: string;
  /** Drops the role; call it after the database is dropped (its sessions end with the database). */
  readonly drop: Effect.Effect<void, MigrationUnavailable>;
}

/**
 * A login role of `databaseName`'s own that acts as `beep_app`, for tests and tools on a server they share:
 * `beep_app`'s password and settings are cluster-wide, so they stay as the server's operator set them.
 *
 * The role is `LOGIN`, not superuser, not BYPASSRLS, a member of `beep_app`, with `role = 'beep_app'` as its
 * default: every session it opens runs as `beep_app` (`current_user`, privileges and policies are
 * `beep_app`'s), and `RESET ALL` returns to that default. `adminUrl` is a superuser's connection string to a
 * database that outlives `databaseName` (the drop runs there); `beep_app` is created when missing, the way
 * the migrations create it.
 */
export const databaseLogin = (
  adminUrl: string,
  databaseName: string,
): Effect.Effect<DatabaseLogin, MigrationUnavailable> => {
  const role = loginRoleName(databaseName);
  const password = randomBytes(24).toString("base64url");
  const create = withConnection(adminUrl, async (sql) => {
    await sql.unsafe(ensureRoleSql(APP_ROLE, { login: true, bypassRls: false }));
    await sql.unsafe(
      `CREATE ROLE ${quoteIdentifier(role)} LOGIN PASSWORD ${quoteLiteral(password)} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT IN ROLE "${APP_ROLE}"`,
    );
    await sql.unsafe(`ALTER ROLE ${quoteIdentifier(role)} SET role = ${quoteLiteral(APP_ROLE)}`);
  });
  const drop = withConnection(adminUrl, (sql) => sql.unsafe(`DROP ROLE IF EXISTS ${quoteIdentifier(role)}`)).pipe(
    Effect.asVoid,
    Effect.mapError((cause) => new MigrationUnavailable({ cause })),
  );
  const database = new URL(adminUrl);
  database.pathname = `/${encodeURIComponent(databaseName)}`;
  return create.pipe(
    Effect.mapError((cause) => new MigrationUnavailable({ cause })),
    // Created but not configured: not left behind.
    Effect.tapError(() => Effect.ignore(drop)),
    Effect.as({ role, url: urlFor(database.toString(), role, password), drop }),
  );
};
