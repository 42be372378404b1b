import { is } from "drizzle-orm";
import { getTableConfig, PgPolicy, type PgTable, type PgTableExtraConfigValue } from "drizzle-orm/pg-core";
import { DefaultColumnRedefined, ReservedPolicyName, UnsafeTenantKey } from "../TableErrors.ts";
import { isReservedPolicyName } from "../TenantPolicy.ts";
import { DEFAULT_COLUMN_KEYS, DEFAULT_COLUMN_SQL_NAMES } from "./columns.ts";

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
