import { readMigrationFiles } from "drizzle-orm/migrator";
import type postgres from "postgres";
import * as DrizzleKit from "../DrizzleKit.ts";
import { problem, type Subject, subject } from "./report.ts";

export interface MigrationExpectations {
  /** The committed migrations (`drizzle/`) the database should have applied. */
  readonly migrationsDir: string;
  /** The tables the schema declares, each of which must exist. */
  readonly tables: ReadonlyArray<string>;
}

const RUN_MIGRATE = "run bun run db:migrate";

/**
 * What the catalog checks cannot see: whether migrations ran at all. Roles are cluster-wide, so a database where
 * nothing ran still has `beep_app`, and its few objects can all be "ok". Compared here: every migration of the
 * journal applied (by the hash the migrator records), none applied that the journal does not know, and every
 * declared table present.
 */
export const audit = async (sql: postgres.Sql, expected: MigrationExpectations): Promise<ReadonlyArray<Subject>> => {
  const journal = DrizzleKit.journal(expected.migrationsDir);
  const files = readMigrationFiles({ migrationsFolder: expected.migrationsDir });
  const [bookkeeping] = await sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`;
  const applied: ReadonlyArray<string> =
    bookkeeping?.present === true
      ? (await sql`select hash from drizzle.__drizzle_migrations`).map((row) => String(row.hash))
      : [];
  const appliedSet = new Set(applied);
  const missing = journal.flatMap((entry, index) => (appliedSet.has(files[index]?.hash ?? "") ? [] : [entry.tag]));
  const known = new Set(files.map((file) => file.hash));
  const unknown = applied.filter((hash) => !known.has(hash));
  const problems = [
    ...(bookkeeping?.present !== true
      ? [problem("migrations-missing", `no migration has run here (${journal.length} pending): ${RUN_MIGRATE}`)]
      : missing.length > 0
        ? [
            problem(
              "migrations-missing",
              `${missing.length} of ${journal.length} migrations not applied (${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", …" : ""}): ${RUN_MIGRATE}`,
            ),
          ]
        : []),
    ...(unknown.length > 0
      ? [
          problem(
            "migrations-unknown",
            `${unknown.length} applied migration(s) are not in this checkout's drizzle/ (edited after they ran, or from a newer checkout)`,
          ),
        ]
      : []),
  ];
  const present = new Set(
    (
      await sql`select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relname = any(${expected.tables as Array<string>})`
    ).map((row) => String(row.relname)),
  );
  const absent = expected.tables.filter((table) => !present.has(table));
  return [
    subject("check", "migrations", problems),
    ...absent.map((table) =>
      subject("table", table, [
        problem("table-missing", `declared by the schema, not in the database: ${RUN_MIGRATE}`),
      ]),
    ),
  ];
};
