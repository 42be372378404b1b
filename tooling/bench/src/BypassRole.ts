import { AppRole, Roles } from "@beep/db-admin";
import { Effect } from "effect";
import postgres from "postgres";
import { DatabaseUnavailable } from "./BenchErrors.ts";

/**
 * The comparison side that skips RLS: a login role with BYPASSRLS (an attribute, so it cannot come from
 * membership) that gets its table privileges from `beep_admin`. It exists only while the bench runs.
 */
export const BYPASS_ROLE = "beep_bench_bypass";

const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

const withAdmin = <A>(adminUrl: string, step: string, f: (sql: postgres.Sql) => Promise<A>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(adminUrl, { max: 1, onnotice: () => {} })),
    (sql) => Effect.tryPromise({ try: () => f(sql), catch: (cause) => new DatabaseUnavailable({ step, cause }) }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  );

/**
 * Creates (idempotently: roles are cluster-wide) the bypass role and returns its URL to `adminUrl`'s database.
 * `role` is `BYPASS_ROLE` unless a caller (a test on a shared server) wants one of its own.
 */
export const provision = (
  adminUrl: string,
  password: string,
  role: string = BYPASS_ROLE,
): Effect.Effect<string, DatabaseUnavailable> =>
  withAdmin(adminUrl, `provision ${role}`, async (sql) => {
    await sql.unsafe(`DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
          CREATE ROLE "${role}";
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await sql.unsafe(
      `ALTER ROLE "${role}" LOGIN BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT PASSWORD ${quoteLiteral(password)}`,
    );
    await sql.unsafe(`GRANT "${Roles.ADMIN_ROLE}" TO "${role}"`);
  }).pipe(Effect.as(AppRole.urlFor(adminUrl, role, password)));

/** Removes the role once no bench database is left. */
export const drop = (adminUrl: string, role: string = BYPASS_ROLE): Effect.Effect<void, DatabaseUnavailable> =>
  withAdmin(adminUrl, `drop ${role}`, (sql) => sql.unsafe(`DROP ROLE IF EXISTS "${role}"`)).pipe(Effect.asVoid);
