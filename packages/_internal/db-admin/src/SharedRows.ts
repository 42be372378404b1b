import { SharedEntityIds } from "@beep/shared-domain";
import { type OrgTable, TenantContext } from "@beep/shared-tables";
import { forceSql } from "./Enforcement.ts";
import * as Registry from "./Registry.ts";

/**
 * The shared rows of `nullable` tables belong to a reserved organization, `TenantContext.SHARED_ORGANIZATION_ID`,
 * instead of having no organization: a Citus distribution column cannot hold NULL. This code migration creates that
 * organization's row (so the foreign keys hold) and moves the rows of every `nullable` table that still have no
 * organization to it, ahead of drizzle-kit's diff that makes `organization_id` NOT NULL and the primary key.
 *
 * The migrator may be the owner and no superuser, to whom FORCE ROW LEVEL SECURITY applies: without a tenant it would
 * see no row and insert none. FORCE is lifted on the tables it touches, in the migration's transaction (ALTER's lock
 * hides the lift from every other session until commit), and put back.
 *
 * Reversing it is a follow-up migration that drops the primary key for `UNIQUE NULLS NOT DISTINCT (organization_id,
 * id)`, drops NOT NULL, and sets the shared organization's rows of each `nullable` table back to NULL.
 */

export const ORGANIZATION_TABLE = SharedEntityIds.OrganizationId.tableName;
/** The shared organization's name: what an operator sees of it. */
export const ORGANIZATION_NAME = "Shared rows";

/** The `nullable` tables of the registry, whose shared rows move. */
export const nullableTables = (
  tables: ReadonlyArray<{ readonly metadata: OrgTable.Metadata }> = Registry.tenantTables,
): ReadonlyArray<string> =>
  tables.filter(({ metadata }) => metadata.rlsPolicy === "nullable").map(({ metadata }) => metadata.tableName);

/** The migration, one statement per item. */
export const migrationStatements = (tables: ReadonlyArray<string> = nullableTables()): ReadonlyArray<string> => {
  const shared = TenantContext.SHARED_ORGANIZATION_ID_SQL;
  const lifted = [ORGANIZATION_TABLE, ...tables];
  return [
    ...lifted.map((table) => `ALTER TABLE "${table}" NO FORCE ROW LEVEL SECURITY;`),
    `INSERT INTO "${ORGANIZATION_TABLE}" ("id", "name") VALUES (${shared}, '${ORGANIZATION_NAME}') ON CONFLICT ("id") DO NOTHING;`,
    // Only where rows have no organization: Citus refuses any UPDATE of a distributed table's distribution column.
    ...tables.map(
      (table) => `DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM "${table}" WHERE "organization_id" IS NULL) THEN
    UPDATE "${table}" SET "organization_id" = ${shared} WHERE "organization_id" IS NULL;
  END IF;
END
$$;`,
    ),
    ...lifted.map(forceSql),
  ];
};
