import { SharedEntityIds } from "@beep/shared-domain";
import { sql } from "drizzle-orm";
import { Schema } from "effect";

/**
 * The tenant context as SQL sees it. The runtime puts a signed ticket in a transaction-local setting; the
 * policies never read that setting themselves, they call functions that check the ticket's signature against
 * a key the runtime role cannot read (`ContextTicket`). Rewriting the setting, by any name or escape, gets
 * no further than a ticket that fails its check: NULL, no rows, no writes.
 */

/** The schema of the context functions (`USAGE` for everyone) and of the key (no access for the runtime). */
export const SCHEMA = "beep";
export const PRIVATE_SCHEMA = "beep_private";

/** The transaction-local setting that carries the ticket. Only `TenantDb` (or `beep.enter_tenant`) sets it. */
export const SETTING = "beep.context";

/**
 * The reserved organization that owns the shared rows of `nullable` tables: every tenant reads them, none writes
 * them. Its `shared_organization` row is created by a migration in every database; no tenant runs as it (the
 * runtime refuses it before signing a ticket), so only an administrator outside RLS writes its rows.
 */
export const SHARED_ORGANIZATION_ID: SharedEntityIds.OrganizationId = Schema.decodeSync(
  SharedEntityIds.OrganizationId.schema,
)("shared_organization__00000000-0000-7000-8000-000000000000");

/** `SHARED_ORGANIZATION_ID` as a SQL literal, for policies and migrations. */
export const SHARED_ORGANIZATION_ID_SQL = `'${SHARED_ORGANIZATION_ID}'`;

/** The current organization, or NULL when there is no valid ticket. */
export const CURRENT_ORG_ID_SQL = `${SCHEMA}.current_org_id()`;
/** The current user, or NULL when the ticket names none. */
export const CURRENT_USER_ID_SQL = `${SCHEMA}.current_user_id()`;
/** The role the unit of work acts as (`TenantRole`), or NULL when the ticket names none. */
export const CURRENT_ROLE_SQL = `${SCHEMA}.current_role()`;

/** A role-bound check function called with `roles`, each a literal (roles are `TenantRole` names, never input). */
const withRoles = (fn: string, roles: ReadonlyArray<string>) => `${fn}(${roles.map((role) => `'${role}'`).join(", ")})`;

/** `beep.current_org_id_for(roles)`: the current organization when the context's role is one of `roles`. */
export const CURRENT_ORG_ID_FOR = `${SCHEMA}.current_org_id_for`;
export const currentOrgIdForSql = (roles: ReadonlyArray<string>) => withRoles(CURRENT_ORG_ID_FOR, roles);

/** `beep.current_user_id_for(roles)`: the current user when the context's role is one of `roles`. */
export const CURRENT_USER_ID_FOR = `${SCHEMA}.current_user_id_for`;
export const currentUserIdForSql = (roles: ReadonlyArray<string>) => withRoles(CURRENT_USER_ID_FOR, roles);

/** The functions that check the ticket: the only SECURITY DEFINER functions the runtime role may call. */
export const CHECK_FUNCTIONS: ReadonlyArray<string> = [
  `${SCHEMA}.current_org_id()`,
  `${SCHEMA}.current_user_id()`,
  `${SCHEMA}.current_role()`,
  `${CURRENT_ORG_ID_FOR}(text[])`,
  `${CURRENT_USER_ID_FOR}(text[])`,
];

/**
 * `beep.assume_role()`: re-signs a role-less context with the role its user holds in its organization, read in the
 * database from the table that records roles (`OrgTable.make`'s `roleColumn`): a person's request learns its role
 * without a round trip of its own. Returns that role; raises `NO_ROLE_SQLSTATE` when there is none (no such row, or
 * no valid ticket naming a user). The one SECURITY DEFINER function besides the checks the runtime role may call; it
 * only ever sets what that table says.
 */
export const ASSUME_ROLE = `${SCHEMA}.assume_role`;
/** What `beep.assume_role()` raises when the context's user holds no role there (class 42: an access rule). */
export const NO_ROLE_SQLSTATE = "42B01";
export const ASSUME_ROLE_SQL = `select ${ASSUME_ROLE}() as role`;

/** `beep.assume_role()` as PostgreSQL prints it: the one SECURITY DEFINER function besides the checks `beep_app` runs. */
export const ASSUME_ROLE_FUNCTION = `${ASSUME_ROLE}()`;

/** `beep.enter_tenant(org, user, role)`: opens a tenant's context for a privileged session (psql, support, tests). */
export const ENTER_TENANT = `${SCHEMA}.enter_tenant`;

export const currentOrgId = () => sql.raw(CURRENT_ORG_ID_SQL);
export const currentUserId = () => sql.raw(CURRENT_USER_ID_SQL);
export const currentRole = () => sql.raw(CURRENT_ROLE_SQL);

/**
 * On Citus, `set_config` stays on the coordinator: the workers, whose shards' policies check the ticket, get it only
 * as `SET LOCAL` of a literal while the transaction propagates `SET LOCAL` commands, each its own statement (a
 * multi-statement string would be forwarded to a shard whole).
 */
export const CITUS_PROPAGATE_SQL = "SET LOCAL citus.propagate_set_commands TO 'local'";

// Every field of a ticket is checked before it is signed; a character outside this set never reaches SQL.
const LITERAL_SAFE = /^[A-Za-z0-9_:.-]+$/;

/** `value` as a SQL string literal, or undefined when it holds a character a literal may not carry. */
export const literal = (value: string): string | undefined => (LITERAL_SAFE.test(value) ? `'${value}'` : undefined);

/** `SET LOCAL` of the ticket as a literal, or undefined when it holds a character a literal may not carry. */
export const citusContextSql = (ticket: string): string | undefined => {
  const quoted = literal(ticket);
  return quoted === undefined ? undefined : `SET LOCAL ${SETTING} TO ${quoted}`;
};
