import { SharedEntityIds } from "@beep/shared-domain";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { Data, type Effect } from "effect";
import type postgres from "postgres";
import * as Sql from "./internal/sql.ts";
import { MigrationUnavailable } from "./MigrationErrors.ts";
import * as Registry from "./Registry.ts";

/**
 * How each table lives on a Citus cluster, derived from the registry: the organization table is distributed by its
 * `id`, every table with an `organization_id` column by it, co-located with the organizations (so one tenant's rows
 * of every table sit on one node and a tenant's query is routed there), and every other table is a reference table
 * (a copy on every node). A new table needs nothing more than to be in the schema.
 */

export type Placement =
  | { readonly table: string; readonly kind: "reference" }
  | { readonly table: string; readonly kind: "distributed"; readonly column: string; readonly colocateWith?: string };

/** The tenant root: every distributed table is co-located with it. */
export const ROOT = SharedEntityIds.OrganizationId.tableName;
export const TENANT_COLUMN = "organization_id";

const rank = (placement: Placement) => (placement.kind === "reference" ? 0 : placement.table === ROOT ? 1 : 2);

/** The plan for `tables` (by default every table of the schema), in the order it must be applied. */
export const plan = (tables: ReadonlyArray<PgTable> = [...Registry.tables, ...Registry.codeTables]) => {
  const byName = new Map<string, Placement>();
  for (const table of tables) {
    const { name, columns } = getTableConfig(table);
    const placement: Placement =
      name === ROOT
        ? { table: name, kind: "distributed", column: "id" }
        : columns.some((column) => column.name === TENANT_COLUMN)
          ? { table: name, kind: "distributed", column: TENANT_COLUMN, colocateWith: ROOT }
          : { table: name, kind: "reference" };
    byName.set(name, placement);
  }
  return [...byName.values()].sort((a, b) => rank(a) - rank(b) || a.table.localeCompare(b.table));
};

/** One line per table, for `db:distribute --plan` and the migrate log. */
export const describe = (placement: Placement): string =>
  placement.kind === "reference"
    ? `${placement.table}: reference table (a copy on every node)`
    : `${placement.table}: distributed by ${placement.column}${placement.colocateWith ? `, co-located with ${placement.colocateWith}` : ""}`;

/** A table of the plan could not be distributed; the transaction rolled back, nothing changed. */
export class DistributionFailed extends Data.TaggedError("DistributionFailed")<{
  readonly table: string;
  readonly cause: unknown;
}> {
  override get message() {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause);
    return `distributing ${this.table} failed (nothing was distributed): ${reason}`;
  }
}

/** True when the database has the Citus extension: then `db:migrate` distributes. */
export const isCitus = (sql: postgres.Sql | postgres.TransactionSql) =>
  sql`select exists (select 1 from pg_extension where extname = 'citus') as citus`.then(([row]) => row?.citus === true);

/** Makes one table what its placement says. */
export const place = (sql: postgres.TransactionSql, placement: Placement) =>
  placement.kind === "reference"
    ? sql`select create_reference_table(${placement.table})`
    : placement.colocateWith === undefined
      ? sql`select create_distributed_table(${placement.table}, ${placement.column})`
      : sql`select create_distributed_table(${placement.table}, ${placement.column}, colocate_with => ${placement.colocateWith})`;

const CREATE_TABLE = /^\s*CREATE TABLE (?:IF NOT EXISTS )?(?:"?public"?\.)?"?([a-z_][a-z0-9_]*)"?\s*\(/i;

/**
 * For the migrator, on a cluster already distributed: the placement of the table a statement creates, so that it is
 * distributed right after its `CREATE TABLE`, before the statements that add its foreign keys to distributed tables
 * (which a plain table may not have). Undefined for any other statement or a table the plan does not know.
 */
export const placementCreatedBy = (statement: string): Placement | undefined => {
  const table = CREATE_TABLE.exec(statement.replace(/^(\s*--[^\n]*\n)+/, ""))?.[1];
  return table === undefined ? undefined : plan().find((placement) => placement.table === table);
};

/** Whether the tenant root is distributed: the cluster is in use, and new tables must follow at once. */
export const isDistributed = (sql: postgres.TransactionSql) =>
  sql`select exists (select 1 from pg_dist_partition where logicalrelid = to_regclass(${ROOT})) as distributed`.then(
    ([row]) => row?.distributed === true,
  );

// The migrator's lock: distribution and migrations never interleave.
const LOCK_KEY = 0x6265_6570;

class Failed {
  constructor(
    readonly table: string,
    readonly cause: unknown,
  ) {}
}

export interface ApplyOptions {
  /** Shards per distributed table for tables distributed now (Citus's `citus.shard_count` when unset). */
  readonly shardCount?: number | undefined;
}

/**
 * Applies the plan to the tables that exist and are not distributed yet, in one transaction: Citus's catalog is the
 * record, so a second run finds every table there and does nothing. The foreign keys touching those tables are
 * dropped first and added back as they were (creating a reference table would otherwise turn every table that
 * references it into a Citus local table, which can no longer be co-located). Returns what it distributed.
 */
export const apply = (
  url: string,
  options: ApplyOptions = {},
): Effect.Effect<ReadonlyArray<Placement>, DistributionFailed | MigrationUnavailable> =>
  Sql.use(
    url,
    (sql) =>
      sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
        if (!(await isCitus(tx))) return [];
        // Foreign keys to reference tables need one connection per node for the whole transaction.
        await tx.unsafe("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'");
        if (options.shardCount !== undefined) {
          await tx.unsafe(`SET LOCAL citus.shard_count TO ${Math.trunc(options.shardCount)}`);
        }
        const present = await tx`
          select c.relname::text as name, d.logicalrelid is not null as distributed
          from pg_class c left join pg_dist_partition d on d.logicalrelid = c.oid
          where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')`;
        const distributed = new Set(present.filter((row) => row.distributed).map((row) => String(row.name)));
        const existing = new Set(present.map((row) => String(row.name)));
        const todo = plan().filter((placement) => existing.has(placement.table) && !distributed.has(placement.table));
        if (todo.length === 0) return [];
        const names = todo.map((placement) => placement.table);
        const keys = await tx`
          select conrelid::regclass::text as "table", conname::text as name, pg_get_constraintdef(oid) as definition
          from pg_constraint
          where contype = 'f' and conparentid = 0
            and (conrelid::regclass::text = any(${names}) or confrelid::regclass::text = any(${names}))
          order by 1, 2`;
        const step = async (table: string, run: () => Promise<unknown>) => {
          await run().catch((cause: unknown) => {
            throw new Failed(table, cause);
          });
        };
        // Citus copies a table's rows into its shards with COPY, which FORCE ROW LEVEL SECURITY refuses to an owner
        // that is no superuser (a managed service's), and checks each foreign key added back by reading the shards,
        // which FORCE would filter through the policies: lifted for both, set again before the transaction ends.
        const forced = await tx`
          select c.oid::regclass::text as name from pg_class c
          where c.relforcerowsecurity and (c.oid = any(${names}::regclass[])
            or c.oid in (select relid from unnest(${names}::regclass[]) as todo(oid), pg_partition_tree(todo.oid)))
          order by 1`;
        const force = async (set: boolean) => {
          for (const { name } of forced) {
            await step(String(name), () =>
              tx.unsafe(`ALTER TABLE ${name} ${set ? "" : "NO "}FORCE ROW LEVEL SECURITY`),
            );
          }
        };
        for (const key of keys) {
          await step(key.table, () => tx`alter table ${tx(key.table)} drop constraint ${tx(key.name)}`);
        }
        await force(false);
        for (const placement of todo) await step(placement.table, () => place(tx, placement));
        for (const key of keys) {
          await step(key.table, () =>
            tx.unsafe(`ALTER TABLE "${key.table}" ADD CONSTRAINT "${key.name}" ${key.definition}`),
          );
        }
        await force(true);
        return todo;
      }),
    (cause) =>
      cause instanceof Failed
        ? new DistributionFailed({ table: cause.table, cause: cause.cause })
        : new MigrationUnavailable({ cause }),
  );
