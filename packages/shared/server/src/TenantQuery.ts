import type { SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, TenantContext } from "@beep/shared-tables";
import { and, eq, or, type SQL } from "drizzle-orm";
import { getTableConfig, type PgColumn, type PgTable } from "drizzle-orm/pg-core";
import { Effect } from "effect";
import { type DbError, TenantAccessDenied } from "./DbErrors.ts";
import * as TenantTx from "./TenantTx.ts";

/** Any table with an `organizationId` column: what `OrgTable.make` builds. */
export type AnyOrgTable = PgTable & { readonly organizationId: PgColumn };

/** A row to insert: the organization is the transaction's, never the caller's. */
export type InsertValues<T extends AnyOrgTable> = Omit<T["$inferInsert"], "organizationId">;
/** Columns to change: neither the organization nor the id. */
export type UpdateValues<T extends AnyOrgTable> = Partial<Omit<T["$inferInsert"], "organizationId" | "id">>;

const isShared = (table: AnyOrgTable) => OrgTable.metadata(table)?.rlsPolicy === "nullable";

/** Rows the tenant may read: its own, and for `nullable` tables the shared organization's. */
const readable = (table: AnyOrgTable, org: SharedEntityIds.OrganizationId): SQL =>
  (isShared(table)
    ? or(eq(table.organizationId, org), eq(table.organizationId, TenantContext.SHARED_ORGANIZATION_ID))
    : eq(table.organizationId, org)) as SQL;

/** Rows the tenant may change: only its own. */
const writable = (table: AnyOrgTable, org: SharedEntityIds.OrganizationId): SQL => eq(table.organizationId, org);

/** Refuses, before SQL, a value that names another organization. */
const foreignOrganization = (values: object, org: SharedEntityIds.OrganizationId): TenantAccessDenied | undefined => {
  const given = (values as { organizationId?: unknown }).organizationId;
  return given === undefined || given === org
    ? undefined
    : new TenantAccessDenied({ detail: `a row for another organization (${String(given)}) was refused` });
};

// Drizzle's builders do not type-check over a generic table; the public signatures carry the types.
type Loose = any;

/** The tenant's rows of `table` matching `where`; the organization filter is in the query too. */
export const select = <T extends AnyOrgTable>(
  table: T,
  where?: SQL,
): Effect.Effect<Array<T["$inferSelect"]>, DbError, TenantTx.TenantTx> =>
  TenantTx.use((db, org) =>
    (db as Loose)
      .select()
      .from(table)
      .where(and(readable(table, org), where)),
  );

/** Inserts rows for the current organization (filled in) and returns them. */
export const insert = <T extends AnyOrgTable>(
  table: T,
  values: InsertValues<T> | ReadonlyArray<InsertValues<T>>,
): Effect.Effect<Array<T["$inferSelect"]>, DbError, TenantTx.TenantTx> =>
  Effect.flatMap(TenantTx.currentTenant, (org) => {
    const rows = (Array.isArray(values) ? values : [values]) as ReadonlyArray<object>;
    const refused = rows.map((row) => foreignOrganization(row, org)).find((error) => error !== undefined);
    if (refused !== undefined) return Effect.fail(refused);
    if (rows.length === 0) return Effect.succeed([]);
    return TenantTx.use((db) =>
      (db as Loose)
        .insert(table)
        .values(rows.map((row) => ({ ...row, organizationId: org })))
        .returning(),
    );
  });

/** Updates the tenant's rows matching `where` and returns them. */
export const update = <T extends AnyOrgTable>(
  table: T,
  values: UpdateValues<T>,
  where: SQL | undefined,
): Effect.Effect<Array<T["$inferSelect"]>, DbError, TenantTx.TenantTx> =>
  Effect.flatMap(TenantTx.currentTenant, (org) => {
    const refused = foreignOrganization(values, org);
    if (refused !== undefined) return Effect.fail(refused);
    return TenantTx.use((db) =>
      (db as Loose)
        .update(table)
        .set(values)
        .where(and(writable(table, org), where))
        .returning(),
    );
  });

const deleteRows = <T extends AnyOrgTable>(
  table: T,
  where: SQL | undefined,
): Effect.Effect<Array<T["$inferSelect"]>, DbError, TenantTx.TenantTx> =>
  TenantTx.use((db, org) =>
    (db as Loose)
      .delete(table)
      .where(and(writable(table, org), where))
      .returning(),
  );

/** Deletes the tenant's rows matching `where` and returns them. */
export { deleteRows as delete };

/** Passes `row` through when it belongs to the current organization; `TenantAccessDenied` otherwise. */
export const assertTenantOwnership = <Row extends { readonly organizationId: string | null }>(
  row: Row,
): Effect.Effect<Row, TenantAccessDenied, TenantTx.TenantTx> =>
  Effect.flatMap(TenantTx.currentTenant, (org) =>
    row.organizationId === org
      ? Effect.succeed(row)
      : Effect.fail(
          new TenantAccessDenied({
            detail: `the row belongs to ${String(row.organizationId)}, not the current tenant`,
          }),
        ),
  );

/** The organization of the current tenant transaction. */
export const currentTenant = TenantTx.currentTenant;

/** True when the table has row-level security turned on in its definition. */
export const isRlsEnabled = (table: PgTable): boolean => getTableConfig(table).enableRLS;
