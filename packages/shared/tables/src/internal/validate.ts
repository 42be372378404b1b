import { getTableColumns, getTableName, is, type Table } from "drizzle-orm";
import {
  type AnyPgColumn,
  type ForeignKey,
  getTableConfig,
  PgPolicy,
  type PgTable,
  type PgTableExtraConfigValue,
} from "drizzle-orm/pg-core";
import {
  DefaultColumnRedefined,
  PlainTenantReference,
  ReservedPolicyName,
  UnresolvedReference,
  UnsafeTenantKey,
} from "../TableErrors.ts";
import { isReservedPolicyName } from "../TenantPolicy.ts";
import { DEFAULT_COLUMN_KEYS, DEFAULT_COLUMN_SQL_NAMES } from "./columns.ts";
import { metadata } from "./metadata.ts";

const sqlNameOf = (key: string, builder: unknown): string => {
  const name = (builder as { config?: { name?: string } }).config?.name;
  return name === undefined || name === "" ? key : name;
};

/** The types refuse default keys; this also refuses them untyped, and catches `foo: text("organization_id")`. */
export const assertNoDefaultColumnNames = (table: string, columns: Record<string, unknown>) => {
  for (const [key, builder] of Object.entries(columns)) {
    if (DEFAULT_COLUMN_KEYS.includes(key)) throw new DefaultColumnRedefined({ table, column: key });
    const column = sqlNameOf(key, builder);
    if (DEFAULT_COLUMN_SQL_NAMES.includes(column)) throw new DefaultColumnRedefined({ table, column });
  }
};

export const assertNoReservedPolicies = (table: string, values: ReadonlyArray<PgTableExtraConfigValue>) => {
  for (const value of values) {
    if (is(value, PgPolicy) && isReservedPolicyName(table, value.name)) {
      throw new ReservedPolicyName({ table, policy: value.name });
    }
  }
};

const ORG = "organization_id";

/** Every unique key of a tenant table includes `organization_id`; the factory owns the primary key. */
export const assertTenantSafeKeys = (table: PgTable, tableName: string, ownPrimaryKeys: number) => {
  const config = getTableConfig(table);
  const fail = (detail: string) => {
    throw new UnsafeTenantKey({ table: tableName, detail });
  };
  for (const column of config.columns) {
    if (column.primary && column.name !== "id")
      fail(`column "${column.name}" is a primary key; the factory defines the key`);
    if (column.isUnique) fail(`column "${column.name}" is unique on its own; use unique().on(t.organizationId, ...)`);
  }
  if (config.primaryKeys.length > ownPrimaryKeys)
    fail("a primary key is defined in extraConfig; the factory defines the key");
  for (const unique of config.uniqueConstraints) {
    if (!unique.columns.some((column) => column.name === ORG)) {
      fail(`unique constraint "${unique.getName() ?? "(unnamed)"}" must include organization_id`);
    }
  }
  for (const index of config.indexes) {
    if (!index.config.unique) continue;
    const names = index.config.columns.map((column) => (column as { name?: string }).name);
    if (!names.includes(ORG)) fail(`unique index "${index.config.name ?? "(unnamed)"}" must include organization_id`);
  }
};

/** The key a table holds a column under (`documentId`), for messages that show the code to write. */
const keyOf = (table: Table, column: AnyPgColumn): string =>
  Object.entries(getTableColumns(table)).find(([, value]) => value.name === column.name)?.[0] ?? column.name;

const referenceOf = (tableName: string, fk: ForeignKey) => {
  try {
    return fk.reference();
  } catch (cause) {
    // `.references(() => x.id)` while `x` is still being defined: the check cannot see the target.
    if (cause instanceof ReferenceError) throw new UnresolvedReference({ table: tableName, cause });
    throw cause;
  }
};

/**
 * A foreign key to another tenant table (any `OrgTable`) includes `organization_id` on both sides, as
 * `OrgTable.reference` writes it: foreign-key checks ignore RLS. References to global tables are free.
 */
export const assertTenantReferences = (table: PgTable, tableName: string) => {
  for (const fk of getTableConfig(table).foreignKeys) {
    const reference = referenceOf(tableName, fk);
    if (metadata(reference.foreignTable) === undefined) continue;
    // organization_id on both sides, matched to each other.
    const position = reference.columns.findIndex((column) => column.name === ORG);
    if (position >= 0 && reference.foreignColumns[position]?.name === ORG) continue;
    throw new PlainTenantReference({
      table: tableName,
      columns: reference.columns.filter((column) => column.name !== ORG).map((column) => keyOf(table, column)),
      target: getTableName(reference.foreignTable),
      foreignColumns: reference.foreignColumns
        .filter((column) => column.name !== ORG)
        .map((column) => keyOf(reference.foreignTable, column)),
    });
  }
};
