import { Registry } from "@beep/db-admin";
import { TenantPolicy } from "@beep/shared-tables";
import { getTableConfig } from "drizzle-orm/pg-core";

/**
 * The roles a context may carry, as the role matrix names them: `none` is no role, `invitee` an invitee's,
 * `apikey` an API key's own (while it is looked up).
 */
export const CONTEXT_ROLES = ["none", "member", "admin", "owner", "invitee", "apikey"] as const;
export type ContextRole = (typeof CONTEXT_ROLES)[number];

export const COMMANDS = ["select", "insert", "update", "delete"] as const;
export type Command = (typeof COMMANDS)[number];

/** Column values of a row a case aims at (JS keys); a value `@name` is the id of the fixture's user `name`. */
export type Shape = Readonly<Record<string, string>>;

/**
 * What the product promises on one table: labelled rows, and for each command which context roles may do it to
 * which row (roles separated by spaces; a role not listed is refused). Labels under `insert` are rows to create;
 * the others are rows that exist before the case.
 */
export interface TableRules {
  readonly rows: Readonly<Record<string, Shape>>;
  readonly select: Readonly<Record<string, string>>;
  readonly insert: Readonly<Record<string, string>>;
  readonly update: Readonly<Record<string, string>>;
  readonly delete: Readonly<Record<string, string>>;
}

export type Oracle = Readonly<Record<string, TableRules>>;

export interface Case {
  readonly table: string;
  readonly command: Command;
  readonly target: string;
  readonly shape: Shape;
  readonly role: ContextRole;
  readonly allowed: boolean;
}

const rolesIn = (where: string, list: string): ReadonlySet<ContextRole> => {
  const roles = list.split(/\s+/).filter((role) => role !== "");
  const unknown = roles.filter((role) => !(CONTEXT_ROLES as ReadonlyArray<string>).includes(role));
  if (unknown.length > 0) throw new Error(`${where}: unknown roles ${unknown.join(", ")}`);
  return new Set(roles as Array<ContextRole>);
};

/** Every case the oracle implies: each table, command, labelled row and context role. */
export const cases = (oracle: Oracle): ReadonlyArray<Case> =>
  Object.entries(oracle).flatMap(([table, rules]) =>
    COMMANDS.flatMap((command) =>
      Object.entries(rules[command]).flatMap(([target, list]) => {
        const shape = rules.rows[target];
        if (shape === undefined) throw new Error(`${table}: ${command} names the unknown row "${target}"`);
        const allowed = rolesIn(`${table} ${command} ${target}`, list);
        return CONTEXT_ROLES.map((role) => ({ table, command, target, shape, role, allowed: allowed.has(role) }));
      }),
    ),
  );

/** The labels of rows that must exist before the cases run (those aimed at by select, update or delete). */
export const existingRows = (rules: TableRules): ReadonlyArray<string> => [
  ...new Set([...Object.keys(rules.select), ...Object.keys(rules.update), ...Object.keys(rules.delete)]),
];

/**
 * The tenant tables with per-role grants, from their definitions: a permissive policy other than the baseline
 * (a table without grants keeps only the baseline, every context may do everything there).
 */
export const grantTables = (): ReadonlyArray<string> =>
  Registry.tenantTables
    .map((entry) => getTableConfig(entry.table))
    .filter((config) =>
      config.policies.some(
        (policy) =>
          (policy.as ?? "permissive") === "permissive" && policy.name !== TenantPolicy.baselinePolicyName(config.name),
      ),
    )
    .map((config) => config.name)
    .sort();
