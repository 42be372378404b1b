import { SharedEntityIds } from "@beep/shared-domain";
import { TenantContext, TenantPolicy } from "@beep/shared-tables";
import type { Effect } from "effect";
import { grantSql } from "./Enforcement.ts";
import * as Sql from "./internal/sql.ts";
import { MigrationUnavailable } from "./MigrationErrors.ts";
import { appPrivileges } from "./Roles.ts";

/**
 * The partitioned audit trail, rendered as SQL from code: drizzle-kit cannot create a partitioned table,
 * so `db:generate` writes this into a custom migration of the same journal. Its typed shape for queries is
 * `SharedTables.auditEvent` in `@beep/shared-tables`.
 */
export const TABLE = SharedEntityIds.AuditEventId.tableName;
/** Catches rows outside every monthly partition, so no insert fails for want of one. */
export const DEFAULT_PARTITION = `${TABLE}_default`;
/** `shared_audit_event_ensure_partitions(months_ahead int)`: creates missing monthly partitions. */
export const ENSURE_PARTITIONS = `${TABLE}_ensure_partitions`;
/** Partitions kept ready beyond the current month (UTC). */
export const MONTHS_AHEAD = 2;

const PLACEHOLDER = "__partition__";

/** `shared_audit_event_y2026m03` for March 2026 (UTC). */
export const partitionName = (month: Date): string =>
  `${TABLE}_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, "0")}`;

/** What isolates the parent and each partition: RLS enabled and forced, the tenant policies, the grants. */
export const isolationSql = (table: string): ReadonlyArray<string> => [
  // renderSql puts one statement on each line.
  ...TenantPolicy.renderSql(table, "standard").split("\n"),
  ...grantSql(table, appPrivileges(TABLE)),
];

const createTableSql = `CREATE TABLE "${TABLE}" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT ${TenantContext.CURRENT_ORG_ID_SQL} NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"entity_type" text,
	"entity_id" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "${TABLE}_pkey" PRIMARY KEY("organization_id","id","occurred_at"),
	CONSTRAINT "${TABLE}_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade
) PARTITION BY RANGE ("occurred_at");`;

const createIndexSql = `CREATE INDEX "${TABLE}_organization_id_occurred_at_idx" ON "${TABLE}" USING btree ("organization_id","occurred_at");`;

const dollarQuoted = (text: string) => {
  if (text.includes("$tpl$")) throw new Error("a partition template may not contain $tpl$");
  return `$tpl$${text}$tpl$`;
};

const moveSql = `EXECUTE format(
      'WITH moved AS (DELETE FROM public."${DEFAULT_PARTITION}" WHERE occurred_at >= %L AND occurred_at < %L RETURNING *) INSERT INTO public.%I SELECT * FROM moved',
      lower_bound, upper_bound, partition_name);`;

/**
 * Creates the partitions of the current month and the next `months_ahead` months (UTC) that are missing,
 * each with the parent's isolation. Rows the default partition holds for such a month move into it, by `move`.
 * Owner-only: EXECUTE is revoked from PUBLIC, so the runtime role cannot create tables through it.
 */
const partitionFunctionSql = (move: string) => `CREATE OR REPLACE FUNCTION "${ENSURE_PARTITIONS}"(months_ahead integer)
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $fn$
DECLARE
  isolation constant text[] := ARRAY[
    ${isolationSql(PLACEHOLDER).map(dollarQuoted).join(",\n    ")}
  ];
  month_start timestamp;
  lower_bound timestamptz;
  upper_bound timestamptz;
  partition_name text;
  statement text;
BEGIN
  IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
    RAISE EXCEPTION 'months_ahead must be between 0 and 120, got %', months_ahead;
  END IF;
  FOR i IN 0..months_ahead LOOP
    month_start := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i);
    lower_bound := month_start AT TIME ZONE 'UTC';
    upper_bound := (month_start + interval '1 month') AT TIME ZONE 'UTC';
    partition_name := '${TABLE}_' || to_char(month_start, '"y"YYYY"m"MM');
    CONTINUE WHEN to_regclass(format('public.%I', partition_name)) IS NOT NULL;
    -- Built beside the parent and attached, so rows of this month already in the default partition move in.
    EXECUTE format('CREATE TABLE public.%I (LIKE public."${TABLE}")', partition_name);
    ${move}
    EXECUTE format('ALTER TABLE public."${TABLE}" ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
      partition_name, lower_bound, upper_bound);
    FOREACH statement IN ARRAY isolation LOOP
      EXECUTE replace(statement, '${PLACEHOLDER}', partition_name);
    END LOOP;
    RETURN NEXT partition_name;
  END LOOP;
END
$fn$;`;

/**
 * The function as `audit_event_context` wrote it, kept for that migration's rendering: an owner that is no superuser
 * (managed PostgreSQL) is subject to the default partition's FORCE, so its move saw no rows and the attach failed.
 */
const ensurePartitionsFunctionBeforeOwnerMoveSql = partitionFunctionSql(moveSql);

/**
 * The function now, for an owner subject to FORCE too: the partition has the parent's foreign keys before the rows come
 * (checked row by row as the referenced table's owner, past its FORCE), and the move lifts FORCE on the default partition.
 */
const ensurePartitionsFunctionSql =
  partitionFunctionSql(`-- The parent's foreign keys first: validated at ATTACH instead, they would see no organization under FORCE.
    FOR statement IN SELECT format('ALTER TABLE public.%I ADD CONSTRAINT %I %s', partition_name, conname, pg_get_constraintdef(oid))
      FROM pg_constraint WHERE conrelid = 'public."${TABLE}"'::regclass AND contype = 'f' ORDER BY conname LOOP
      EXECUTE statement;
    END LOOP;
    -- Under FORCE a non-superuser owner sees no row; ALTER's lock hides the lift from others until commit.
    ALTER TABLE public."${DEFAULT_PARTITION}" NO FORCE ROW LEVEL SECURITY;
    ${moveSql}
    ALTER TABLE public."${DEFAULT_PARTITION}" FORCE ROW LEVEL SECURITY;`);

/** The custom migration that creates the audit trail, one statement per item. */
export const migrationStatements = (): ReadonlyArray<string> => [
  createTableSql,
  createIndexSql,
  ...isolationSql(TABLE),
  ensurePartitionsFunctionSql,
  `REVOKE ALL ON FUNCTION "${ENSURE_PARTITIONS}"(integer) FROM PUBLIC;`,
  `CREATE TABLE "${DEFAULT_PARTITION}" PARTITION OF "${TABLE}" DEFAULT;`,
  ...isolationSql(DEFAULT_PARTITION),
  `SELECT "${ENSURE_PARTITIONS}"(${MONTHS_AHEAD});`,
];

/**
 * Brings an existing audit trail to the current isolation: the organization's default, the partition function's template, and the tenant
 * policies of the parent and of every partition, dropped and created again from `TenantPolicy`. Idempotent. The function is
 * as this migration wrote it; `partitionMoveStatements` replaced it since.
 */
export const reisolationStatements = (): ReadonlyArray<string> => [
  `ALTER TABLE "${TABLE}" ALTER COLUMN "organization_id" SET DEFAULT ${TenantContext.CURRENT_ORG_ID_SQL};`,
  ensurePartitionsFunctionBeforeOwnerMoveSql,
  `DO $$
DECLARE
  isolation constant text[] := ARRAY[
    ${isolationSql(PLACEHOLDER).map(dollarQuoted).join(",\n    ")}
  ];
  target text;
  statement text;
BEGIN
  FOR target IN
    SELECT '${TABLE}' UNION ALL
    SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'public."${TABLE}"'::regclass
  LOOP
    EXECUTE format('DROP POLICY IF EXISTS %I ON public.%I', 'tenant_isolation_' || target, target);
    EXECUTE format('DROP POLICY IF EXISTS %I ON public.%I', 'tenant_baseline_' || target, target);
    FOREACH statement IN ARRAY isolation LOOP
      EXECUTE replace(statement, '${PLACEHOLDER}', target);
    END LOOP;
  END LOOP;
END
$$;`,
];

/** Replaces the partition function with one whose move works for an owner that is no superuser. */
export const partitionMoveStatements = (): ReadonlyArray<string> => [ensurePartitionsFunctionSql];

/**
 * Runs the partition maintenance on a migrated database (what `db:migrate` does after applying) and
 * returns the partitions it created. A database without the audit trail is left alone.
 */
export const ensurePartitions = (
  url: string,
  monthsAhead: number = MONTHS_AHEAD,
): Effect.Effect<ReadonlyArray<string>, MigrationUnavailable> =>
  Sql.use(
    url,
    async (sql) => {
      const [found] =
        await sql`select to_regprocedure(${`public."${ENSURE_PARTITIONS}"(integer)`}) is not null as exists`;
      if (found?.exists !== true) return [];
      const rows = await sql.unsafe(`SELECT "${ENSURE_PARTITIONS}"($1) AS name`, [monthsAhead]);
      return rows.map((row) => String(row.name));
    },
    (cause) => new MigrationUnavailable({ cause }),
  );
