import { OrgTable } from "@beep/shared-tables";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";

/** The role the runtime logs in as: LOGIN, no superuser, no BYPASSRLS, owns nothing, DML grants only. */
export const APP_ROLE = "beep_app";
/** The role operators and system jobs assume (SET ROLE): NOLOGIN, BYPASSRLS. */
export const ADMIN_ROLE = "beep_admin";

export type Privilege = OrgTable.AppPrivilege;

/** What the runtime role may do on each table; tables not listed get the tenant default (`none` tables: below). */
export const APP_PRIVILEGES_BY_TABLE: Readonly<Record<string, ReadonlyArray<Privilege>>> = {
  // The tenant root: a tenant creates and renames itself, never deletes itself through the app.
  shared_organization: ["SELECT", "INSERT", "UPDATE"],
  // Users are global; the app signs them up and updates them, never deletes them.
  shared_user: ["SELECT", "INSERT", "UPDATE"],
  // The audit trail is append-only.
  shared_audit_event: ["SELECT", "INSERT"],
};

/**
 * Columns the runtime role may never update, whatever the policies allow: its UPDATE grant lists every other
 * column. A membership's user is fixed, so no tenant can turn its membership into someone else's.
 */
export const APP_FIXED_COLUMNS: Readonly<Record<string, ReadonlyArray<string>>> = {
  iam_member: ["user_id"],
  // A key's own context records its use (`TenantRole.apiKey`); admins manage keys by creating and deleting them.
  iam_api_key: ["name", "prefix", "key_hash", "role", "created_by", "expires_at"],
};

export const TENANT_DEFAULT_PRIVILEGES: ReadonlyArray<Privilege> = ["SELECT", "INSERT", "UPDATE", "DELETE"];

export const appPrivileges = (table: string): ReadonlyArray<Privilege> =>
  APP_PRIVILEGES_BY_TABLE[table] ?? TENANT_DEFAULT_PRIVILEGES;

/**
 * What the runtime role may do on a table of the schema. A `rlsPolicy: "none"` table has no policy to hold the
 * role to its tenant, so it gets only the `appPrivileges` its definition declares: none unless it declares some.
 */
export const appPrivilegesOf = (table: PgTable): ReadonlyArray<Privilege> => {
  const metadata = OrgTable.metadata(table);
  return metadata?.rlsPolicy === "none" ? (metadata.appPrivileges ?? []) : appPrivileges(getTableConfig(table).name);
};

export interface RoleAttributes {
  readonly login: boolean;
  readonly bypassRls: boolean;
}

export const ROLE_ATTRIBUTES: Readonly<Record<string, RoleAttributes>> = {
  [APP_ROLE]: { login: true, bypassRls: false },
  [ADMIN_ROLE]: { login: false, bypassRls: true },
};

export const attributesSql = ({ login, bypassRls }: RoleAttributes) =>
  `${login ? "LOGIN" : "NOLOGIN"} NOSUPERUSER ${bypassRls ? "BYPASSRLS" : "NOBYPASSRLS"} NOCREATEDB NOCREATEROLE`;

/**
 * Creates the role when missing and repairs drifted attributes, writing nothing when all is in order.
 * Roles are cluster-wide: an unconditional ALTER ROLE in two databases' migrations at once fails with
 * "tuple concurrently updated", so the role row is only touched when it must change.
 */
export const ensureRoleSql = (role: string, attributes: RoleAttributes) => `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
    CREATE ROLE "${role}" ${attributesSql(attributes)};
  ELSIF EXISTS (
    SELECT 1 FROM pg_roles WHERE rolname = '${role}'
      AND (${attributes.login ? "NOT rolcanlogin" : "rolcanlogin"} OR rolsuper OR ${attributes.bypassRls ? "NOT rolbypassrls" : "rolbypassrls"} OR rolcreatedb OR rolcreaterole)
  ) THEN
    ALTER ROLE "${role}" ${attributesSql(attributes)};
  END IF;
EXCEPTION
  -- Another database's migration created it a moment ago.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;`;

/** A migration statement that creates or alters a role: what `db:migrate` checks it may run before it starts. */
export const isRoleStatement = (statement: string): boolean => /\b(?:CREATE|ALTER) ROLE\b/i.test(statement);

/** Idempotent role creation that also repairs drifted attributes on every run. */
export const createRolesSql = (): ReadonlyArray<string> => [
  ...Object.entries(ROLE_ATTRIBUTES).map(([role, attributes]) => ensureRoleSql(role, attributes)),
  `GRANT USAGE ON SCHEMA public TO "${APP_ROLE}", "${ADMIN_ROLE}";`,
];

/**
 * What the runtime role must not have, for nothing of one unit of work to outlive it: no temporary tables (a temp
 * table named like a tenant table would capture the next tenant's statements on that connection) and no
 * CREATE anywhere. PUBLIC is where PostgreSQL grants both by default.
 */
export const hardeningSql = (): ReadonlyArray<string> => [
  `DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY, CREATE ON DATABASE %I FROM PUBLIC, "${APP_ROLE}"', current_database());
END
$$;`,
  `REVOKE CREATE ON SCHEMA public FROM PUBLIC, "${APP_ROLE}";`,
];
