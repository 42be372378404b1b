import type { TenantPolicy } from "@beep/shared-tables";
import { is, type SQL } from "drizzle-orm";
import { getTableConfig, PgDialect, type PgPolicy, PgRole, type PgTable } from "drizzle-orm/pg-core";

export type Command = "all" | "select" | "insert" | "update" | "delete";

/** A policy as the schema declares it, with its expressions as SQL text. */
export interface DeclaredPolicy {
  readonly name: string;
  readonly as: "permissive" | "restrictive";
  readonly for: Command;
  readonly to: ReadonlyArray<string>;
  readonly using: string | undefined;
  readonly withCheck: string | undefined;
}

const dialect = new PgDialect();
const sqlText = (value: SQL | undefined) => (value === undefined ? undefined : dialect.sqlToQuery(value).sql);

type To = PgPolicy["to"];
const rolesOf = (to: To): ReadonlyArray<string> => {
  if (to === undefined) return ["public"];
  if (Array.isArray(to)) return to.flatMap(rolesOf);
  if (is(to, PgRole)) return [to.name];
  return [String(to)];
};

export const ofDrizzle = (policy: PgPolicy): DeclaredPolicy => ({
  name: policy.name,
  as: policy.as ?? "permissive",
  for: policy.for ?? "all",
  to: rolesOf(policy.to),
  using: sqlText(policy.using),
  withCheck: sqlText(policy.withCheck),
});

export const ofSpec = (spec: TenantPolicy.PolicySpec): DeclaredPolicy => ({
  name: spec.name,
  as: spec.as,
  for: spec.for,
  to: ["public"],
  using: spec.using,
  withCheck: spec.withCheck,
});

export const ofTable = (table: PgTable): ReadonlyArray<DeclaredPolicy> => getTableConfig(table).policies.map(ofDrizzle);

/** A parent's policies as its partitions carry them: the same clauses, named after the partition. */
export const forPartition = (
  policies: ReadonlyArray<DeclaredPolicy>,
  parent: string,
  partition: string,
): ReadonlyArray<DeclaredPolicy> =>
  policies.map((policy) => ({ ...policy, name: policy.name.split(parent).join(partition) }));

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
const role = (name: string) => (name === "public" ? "public" : quote(name));

export const createSql = (qualifiedTable: string, policy: DeclaredPolicy): string =>
  [
    `CREATE POLICY ${quote(policy.name)} ON ${qualifiedTable} AS ${policy.as.toUpperCase()}`,
    ` FOR ${policy.for.toUpperCase()} TO ${policy.to.map(role).join(", ")}`,
    policy.using === undefined ? "" : ` USING (${policy.using})`,
    policy.withCheck === undefined ? "" : ` WITH CHECK (${policy.withCheck})`,
  ].join("");
