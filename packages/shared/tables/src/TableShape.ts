import { getTableName } from "drizzle-orm";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { metadata } from "./OrgTable.ts";
import type { RlsMode } from "./TenantPolicy.ts";
import * as TenantRole from "./TenantRole.ts";

/** A table's isolation-relevant shape, as plain data: what tests and audits compare against. */
export interface TableShape {
  readonly name: string;
  readonly rlsPolicy: RlsMode | "global";
  readonly rlsEnabled: boolean;
  readonly policies: ReadonlyArray<string>;
  readonly primaryKey: ReadonlyArray<string>;
  readonly uniques: ReadonlyArray<ReadonlyArray<string>>;
  readonly foreignKeys: ReadonlyArray<string>;
}

/** `"(organization_id, document_id) -> documents_document(organization_id, id)"` */
const describeForeignKey = (columns: ReadonlyArray<string>, table: string, foreign: ReadonlyArray<string>) =>
  `(${columns.join(", ")}) -> ${table}(${foreign.join(", ")})`;

export const of = (table: PgTable): TableShape => {
  const config = getTableConfig(table);
  const inlinePrimary = config.columns.filter((column) => column.primary).map((column) => column.name);
  return {
    name: config.name,
    rlsPolicy: metadata(table)?.rlsPolicy ?? "global",
    rlsEnabled: config.enableRLS,
    policies: config.policies
      .map((policy) => `${policy.name} ${policy.as ?? "permissive"} ${policy.for ?? "all"}`)
      .sort(),
    primaryKey: config.primaryKeys[0]?.columns.map((column) => column.name) ?? inlinePrimary,
    uniques: [
      ...config.uniqueConstraints.map((unique) => unique.columns.map((column) => column.name)),
      ...config.columns.filter((column) => column.isUnique).map((column) => [column.name]),
    ],
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const reference = fk.reference();
        return describeForeignKey(
          reference.columns.map((column) => column.name),
          getTableName(reference.foreignTable),
          reference.foreignColumns.map((column) => column.name),
        );
      })
      .sort(),
  };
};

/**
 * The policies every tenant table of a mode has, in `TableShape.policies` form (sorted). With `grants` (what the
 * table passes to `OrgTable.roles`), the grants' permissive policies take the baseline's place.
 */
export const expectedTenantPolicies = (
  table: string,
  mode: RlsMode,
  grants?: ReadonlyArray<TenantRole.Grant>,
): ReadonlyArray<string> => {
  if (mode === "none") return [];
  const permissive =
    grants === undefined
      ? [`tenant_baseline_${table} permissive all`]
      : TenantRole.specs(table, grants).map((spec) => `${spec.name} ${spec.as} ${spec.for}`);
  const isolation =
    mode === "standard"
      ? [`tenant_isolation_${table} restrictive all`]
      : [
          `tenant_isolation_${table} restrictive all`,
          `tenant_isolation_${table}_delete restrictive delete`,
          `tenant_isolation_${table}_update restrictive update`,
        ];
  return [...permissive, ...isolation].sort();
};

/** The foreign key every tenant table has to its organization, in `TableShape.foreignKeys` form. */
export const ORGANIZATION_FOREIGN_KEY = describeForeignKey(["organization_id"], "shared_organization", ["id"]);

/** What every `standard` tenant table's shape starts with (its grants, if any); tests add its own keys and references. */
export const standardTenant = (name: string, grants?: ReadonlyArray<TenantRole.Grant>) => ({
  name,
  rlsPolicy: "standard" as const,
  rlsEnabled: true,
  policies: expectedTenantPolicies(name, "standard", grants),
  primaryKey: ["organization_id", "id"],
});
