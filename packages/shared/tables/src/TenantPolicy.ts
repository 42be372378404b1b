import { sql } from "drizzle-orm";
import { type PgPolicy, pgPolicy } from "drizzle-orm/pg-core";
import {
  CURRENT_ORG_ID_SQL,
  CURRENT_USER_ID_SQL,
  currentOrgIdForSql,
  SHARED_ORGANIZATION_ID_SQL,
} from "./TenantContext.ts";

/**
 * How a table is isolated:
 * - `standard`: each row belongs to one organization; only that organization sees or writes it.
 * - `nullable`: as `standard`, plus shared rows (those of `TenantContext.SHARED_ORGANIZATION_ID`) that every
 *   tenant reads and no tenant writes.
 * - `none`: no policy and no RLS; an explicit, visible opt-out.
 */
export type RlsMode = "standard" | "nullable" | "none";

export const RLS_MODES: ReadonlyArray<RlsMode> = ["standard", "nullable", "none"];

/** One policy, as plain data: the single definition both Drizzle and raw SQL are rendered from. */
export interface PolicySpec {
  readonly name: string;
  readonly as: "permissive" | "restrictive";
  readonly for: "all" | "select" | "insert" | "update" | "delete";
  readonly using?: string;
  readonly withCheck?: string;
}

export interface PolicyOptions {
  /** The column holding the owning organization; `id` for the organization table itself. */
  readonly column?: string;
  /** Add the permissive baseline (default true); leave it out when the table brings its own permissive policies. */
  readonly baseline?: boolean;
  /**
   * `standard` only: rows are also readable by the user this column names, in that user's own context (one naming
   * no organization: `TenantDb.withUser`): a membership is seen by its organization and by its user. Writes stay
   * bounded by the organization.
   */
  readonly userColumn?: string;
  /**
   * The only context roles any of the table's policies admit (`OrgTable.make` works it out from the grants that
   * `OrgTable.roles` made): the tenant test then names the organization for them alone, with the very expression
   * the weakest grant uses, so PostgreSQL merges the two into one index condition and checks the ticket once per
   * statement, not three times. No row changes side: a context these roles leave out is one no grant admits anyway.
   */
  readonly roles?: ReadonlyArray<string>;
}

export const tenantPolicyName = (table: string) => `tenant_isolation_${table}`;
export const baselinePolicyName = (table: string) => `tenant_baseline_${table}`;

/** Names a table may not use for policies of its own: they belong to the tenant isolation. */
export const isReservedPolicyName = (table: string, name: string) =>
  name === baselinePolicyName(table) ||
  name === tenantPolicyName(table) ||
  name.startsWith(`${tenantPolicyName(table)}_`);

/** The tenant policies of a table, as data. Empty for `none`. */
export const specs = (table: string, mode: RlsMode, options: PolicyOptions = {}): ReadonlyArray<PolicySpec> => {
  if (mode === "none") return [];
  const column = `"${options.column ?? "organization_id"}"`;
  const own = `${column} = ${options.roles === undefined ? CURRENT_ORG_ID_SQL : currentOrgIdForSql(options.roles)}`;
  const name = tenantPolicyName(table);
  // Restrictive: ANDed with every other policy, so nothing a team adds can widen access past the tenant.
  const readable =
    mode === "nullable"
      ? `(${own} OR ${column} = ${SHARED_ORGANIZATION_ID_SQL})`
      : options.userColumn !== undefined
        ? // Only where the context names no organization: inside one, a user's other memberships stay out of sight.
          `(${own} OR (${CURRENT_ORG_ID_SQL} IS NULL AND "${options.userColumn}" = ${CURRENT_USER_ID_SQL}))`
        : undefined;
  const tenant: Array<PolicySpec> =
    readable === undefined
      ? [{ name, as: "restrictive", for: "all", using: own, withCheck: own }]
      : [
          {
            name,
            as: "restrictive",
            for: "all",
            using: readable,
            withCheck: own,
          },
          // Shared (or the user's) rows pass the read check above, so updates and deletes need their own, narrower one.
          { name: `${name}_update`, as: "restrictive", for: "update", using: own },
          { name: `${name}_delete`, as: "restrictive", for: "delete", using: own },
        ];
  const baseline: PolicySpec = {
    name: baselinePolicyName(table),
    as: "permissive",
    for: "all",
    using: "true",
    withCheck: "true",
  };
  return options.baseline === false ? tenant : [...tenant, baseline];
};

export const toDrizzle = (spec: PolicySpec): PgPolicy =>
  pgPolicy(spec.name, {
    as: spec.as,
    for: spec.for,
    to: "public",
    ...(spec.using === undefined ? {} : { using: sql.raw(spec.using) }),
    ...(spec.withCheck === undefined ? {} : { withCheck: sql.raw(spec.withCheck) }),
  });

export const drizzlePolicies = (table: string, mode: RlsMode, options: PolicyOptions = {}): Array<PgPolicy> =>
  specs(table, mode, options).map(toDrizzle);

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** `CREATE POLICY` for one spec, for tables created outside Drizzle. */
export const renderPolicy = (table: string, spec: PolicySpec): string =>
  [
    `CREATE POLICY ${quote(spec.name)} ON ${quote(table)} AS ${spec.as.toUpperCase()} FOR ${spec.for.toUpperCase()} TO public`,
    spec.using === undefined ? "" : ` USING (${spec.using})`,
    spec.withCheck === undefined ? "" : ` WITH CHECK (${spec.withCheck})`,
    ";",
  ].join("");

/** Everything that isolates a table created outside Drizzle: enable and force RLS, then the policies. */
export const renderSql = (table: string, mode: RlsMode, options: PolicyOptions = {}): string => {
  if (mode === "none") return "";
  return [
    `ALTER TABLE ${quote(table)} ENABLE ROW LEVEL SECURITY;`,
    `ALTER TABLE ${quote(table)} FORCE ROW LEVEL SECURITY;`,
    ...specs(table, mode, options).map((spec) => renderPolicy(table, spec)),
  ].join("\n");
};
