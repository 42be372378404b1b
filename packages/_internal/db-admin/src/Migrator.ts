import { readMigrationFiles } from "drizzle-orm/migrator";
import { Effect } from "effect";
import type postgres from "postgres";
import * as Distribution from "./Distribution.ts";
import * as DrizzleKit from "./DrizzleKit.ts";
import * as Sql from "./internal/sql.ts";
import { MigrationFailed, MigrationUnavailable } from "./MigrationErrors.ts";

export interface MigrateOptions {
  /** A connection string of a role allowed to create roles and tables (the owner/superuser). */
  readonly url: string;
  readonly migrationsDir?: string;
  /** Called once per applied migration, after the run committed. */
  readonly onApplied?: (tag: string) => void;
}

export interface MigrateResult {
  readonly applied: ReadonlyArray<string>;
  readonly alreadyApplied: number;
}

// drizzle-kit's bookkeeping table, so `drizzle-kit migrate` and this agree on what ran.
const SCHEMA = "drizzle";
const TABLE = "__drizzle_migrations";
// One key for every migrate process: concurrent runs queue on it and apply each migration once.
const LOCK_KEY = 0x6265_6570; // "beep"

const isCommentOnly = (statement: string) =>
  statement
    .split("\n")
    .map((line) => line.trim())
    .every((line) => line === "" || line.startsWith("--"));

class StatementFailed {
  constructor(
    readonly migration: string,
    readonly statement: string,
    readonly cause: unknown,
  ) {}
}

const readMigrations = (dir: string) =>
  Effect.try({
    try: () => readMigrationFiles({ migrationsFolder: dir }),
    catch: (cause) => new MigrationUnavailable({ cause }),
  });

/** When the last applied migration was written (its folder's millis); -1 when none was, or there is no bookkeeping. */
const lastAppliedMillis = async (sql: postgres.Sql | postgres.TransactionSql): Promise<number> => {
  const [book] = await sql`select to_regclass(${`"${SCHEMA}"."${TABLE}"`}) is not null as present`;
  if (book?.present !== true) return -1;
  const [last] = await sql.unsafe(`SELECT max(created_at) AS millis FROM "${SCHEMA}"."${TABLE}"`);
  return last?.millis == null ? -1 : Number(last.millis);
};

/** The statements of the migrations `migrate` would apply now, for checks that must come before it. */
export const pendingStatements = (
  url: string,
  migrationsDir: string = DrizzleKit.MIGRATIONS_DIR,
): Effect.Effect<ReadonlyArray<string>, MigrationUnavailable> =>
  Effect.flatMap(readMigrations(migrationsDir), (migrations) =>
    Sql.use(
      url,
      async (sql) => {
        const lastMillis = await lastAppliedMillis(sql);
        return migrations
          .filter((migration) => migration.folderMillis > lastMillis)
          .flatMap((migration) => migration.sql);
      },
      (cause) => new MigrationUnavailable({ cause }),
    ),
  );

/**
 * Applies pending migrations in journal order, all in one transaction under an advisory lock:
 * concurrent runs apply each migration exactly once, and a failure leaves the database as it was.
 */
export const migrate = (
  options: MigrateOptions,
): Effect.Effect<MigrateResult, MigrationFailed | MigrationUnavailable> =>
  Effect.gen(function* () {
    const dir = options.migrationsDir ?? DrizzleKit.MIGRATIONS_DIR;
    const tags = DrizzleKit.journal(dir).map((entry) => entry.tag);
    const migrations = yield* readMigrations(dir);
    const result = yield* Sql.use(
      options.url,
      (sql) =>
        sql.begin(async (tx) => {
          await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
          await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS "${SCHEMA}"`);
          await tx.unsafe(
            `CREATE TABLE IF NOT EXISTS "${SCHEMA}"."${TABLE}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`,
          );
          const lastMillis = await lastAppliedMillis(tx);
          // On a distributed cluster, a new table is distributed as soon as it is created (see Distribution).
          const cluster = (await Distribution.isCitus(tx)) && (await Distribution.isDistributed(tx));
          if (cluster) await tx.unsafe("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'");
          const applied: Array<string> = [];
          for (const [index, migration] of migrations.entries()) {
            if (migration.folderMillis <= lastMillis) continue;
            const tag = tags[index] ?? String(migration.folderMillis);
            for (const statement of migration.sql) {
              if (isCommentOnly(statement)) continue;
              await tx.unsafe(statement).catch((cause: unknown) => {
                throw new StatementFailed(tag, statement.trim(), cause);
              });
              const placement = cluster ? Distribution.placementCreatedBy(statement) : undefined;
              if (placement !== undefined) {
                await Distribution.place(tx, placement).catch((cause: unknown) => {
                  throw new StatementFailed(tag, `distributing ${placement.table}`, cause);
                });
              }
            }
            await tx.unsafe(`INSERT INTO "${SCHEMA}"."${TABLE}" (hash, created_at) VALUES ($1, $2)`, [
              migration.hash,
              migration.folderMillis,
            ]);
            applied.push(tag);
          }
          return { applied, alreadyApplied: migrations.length - applied.length };
        }),
      (cause) =>
        cause instanceof StatementFailed
          ? new MigrationFailed({ migration: cause.migration, statement: cause.statement, cause: cause.cause })
          : new MigrationUnavailable({ cause }),
    );
    for (const tag of result.applied) options.onApplied?.(tag);
    return result;
  });
