import {
  CURRENT_USER_ID_SQL,
  currentOrgIdForSql,
  currentUserIdForSql,
  SHARED_ORGANIZATION_ID_SQL,
} from "./TenantContext.ts";
import type { PolicySpec, RlsMode } from "./TenantPolicy.ts";

/**
 * The roles a member holds in an organization, weakest first: each has every right of the roles before it. The
 * signed tenant context carries the role a unit of work acts as (`beep.current_role()`); a table's grants say what
 * each role may do there, inside the bounds of the tenant policy.
 */
export const ROLES = ["member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => typeof value === "string" && ROLES.includes(value as Role);

/** `role` and every stronger role. */
export const atLeast = (role: Role): ReadonlyArray<Role> => ROLES.slice(ROLES.indexOf(role));

/** Whether `held` has every right of `needed`. */
export const covers = (held: Role, needed: Role): boolean => ROLES.indexOf(held) >= ROLES.indexOf(needed);

/**
 * The context role of someone accepting one invitation: not a member yet, so it holds none of the roles above; the
 * tables that take part in accepting (invitations, memberships) grant it exactly that.
 */
export const INVITEE_PREFIX = "invitee.";
export const invitee = (invitationId: string): string => `${INVITEE_PREFIX}${invitationId}`;

/**
 * The context role of a request presenting an API key, while the key is looked up and its use recorded: it sees
 * that key only. The request then goes on as the key's own role.
 */
export const API_KEY_PREFIX = "apikey.";
export const apiKey = (keyId: string): string => `${API_KEY_PREFIX}${keyId}`;

const SCOPED = /^(invitee|apikey)\.[a-z_]+__[0-9a-f-]{36}$/;

/** A role the context may carry: one of `ROLES`, an invitee's or an API key's. Nothing else reaches a ticket. */
export const isContextRole = (value: unknown): value is string =>
  isRole(value) || (typeof value === "string" && SCOPED.test(value));

export type Command = "select" | "insert" | "update" | "delete";

/** One permission on a table, as data: what a role may do to which rows. */
export interface Grant {
  readonly for: Command | "all";
  /** The weakest role that has it (stronger roles too). Omitted: every context of the tenant, with or without a role. */
  readonly to?: Role;
  /** Only rows whose column holds the acting user: the caller's own. */
  readonly own?: string;
  /** A further condition on the row, in SQL. */
  readonly where?: string;
  /** Who the grant is for, in the policy's name, when `to` does not say it (e.g. `invitee`). */
  readonly label?: string;
}

/**
 * A role test as the tenant policy's own shape: `organization_id` compared with a check function that names the
 * organization only for these roles. An index condition computed once per scan (not an HMAC per row), estimated
 * like the tenant test (a row-independent `IN` is estimated at a few percent, and the newest page would be sorted
 * instead of read off its index), and no subquery, which Citus refuses in policies. On a `nullable` table the
 * shared rows pass too: every context reads them, and the tenant policy still keeps every context from writing them.
 */
const roleCondition = (role: Role, mode: RlsMode) => {
  const own = `"organization_id" = ${currentOrgIdForSql(atLeast(role))}`;
  return mode === "nullable" ? `(${own} OR "organization_id" = ${SHARED_ORGANIZATION_ID_SQL})` : own;
};

/**
 * Whom a grant admits: a role, the caller's own rows, or both. Both are one check: the user only when the role is
 * one of these; the organization needs no test of its own there, the tenant policy bounds every grant. A `nullable`
 * table keeps the two tests, so that its shared rows pass the role test as they do in `roleCondition`.
 */
const whoCondition = (grant: Grant, mode: RlsMode): ReadonlyArray<string> => {
  if (grant.own === undefined) return grant.to === undefined ? [] : [roleCondition(grant.to, mode)];
  if (grant.to === undefined) return [`"${grant.own}" = ${CURRENT_USER_ID_SQL}`];
  if (mode === "nullable") return [roleCondition(grant.to, mode), `"${grant.own}" = ${CURRENT_USER_ID_SQL}`];
  return [`"${grant.own}" = ${currentUserIdForSql(atLeast(grant.to))}`];
};

const condition = (grant: Grant, mode: RlsMode): string => {
  const parts = [...whoCondition(grant, mode), ...(grant.where === undefined ? [] : [`(${grant.where})`])];
  return parts.length === 0 ? "true" : parts.join(" AND ");
};

export const grantPolicyName = (table: string, grant: Grant) =>
  `${grant.for}_${grant.label ?? grant.to ?? "any"}${grant.own === undefined ? "" : "_own"}_${table}`;

/**
 * A table's grants as permissive policies (ORed with each other, ANDed with the restrictive tenant policy, which
 * still bounds every one of them). A table with grants has no baseline: what no grant allows is refused.
 */
export const specs = (
  table: string,
  grants: ReadonlyArray<Grant>,
  mode: RlsMode = "standard",
): ReadonlyArray<PolicySpec> => {
  const seen = new Map<string, number>();
  return grants.map((grant) => {
    const base = grantPolicyName(table, grant);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    const rule = condition(grant, mode);
    return {
      name: count === 1 ? base : `${base}_${count}`,
      as: "permissive",
      for: grant.for,
      ...(grant.for === "insert" ? {} : { using: rule }),
      ...(grant.for === "select" || grant.for === "delete" ? {} : { withCheck: rule }),
    };
  });
};

/**
 * Content people write: every member reads and creates it; members change and delete what they wrote (the
 * `author` column holds their user); admins and owners change and delete anything.
 */
export const authored = (author: { readonly name: string }): ReadonlyArray<Grant> => [
  { for: "select", to: "member" },
  { for: "insert", to: "member" },
  { for: "update", to: "member", own: author.name },
  { for: "delete", to: "member", own: author.name },
  { for: "update", to: "admin" },
  { for: "delete", to: "admin" },
];

/** Every member reads and creates; admins and owners change and delete. */
export const shared: ReadonlyArray<Grant> = [
  { for: "select", to: "member" },
  { for: "insert", to: "member" },
  { for: "update", to: "admin" },
  { for: "delete", to: "admin" },
];

/** Every member reads; only admins and owners write. */
export const managed: ReadonlyArray<Grant> = [
  { for: "select", to: "member" },
  { for: "all", to: "admin" },
];
