/** The role the runtime logs in as: LOGIN, no superuser, no BYPASSRLS, owns nothing, DML grants only. */
export const APP_ROLE = "beep_app";
/** The role operators and system jobs assume (SET ROLE): NOLOGIN, BYPASSRLS. */
export const ADMIN_ROLE = "beep_admin";

export type Privilege = "SELECT" | "INSERT" | "UPDATE" | "DELETE";

/** What the runtime role may do on each table; tables not listed get the tenant default. */
export const APP_PRIVILEGES_BY_TABLE: Readonly<Record<string, ReadonlyArray<Privilege>>> = {
  // The tenant root: a tenant creates and renames itself, never deletes itself through the app.
  shared_organization: ["SELECT", "INSERT", "UPDATE"],
  // Users are global; the app signs them up and updates them, never deletes them.
  shared_user: ["SELECT", "INSERT", "UPDATE"],
  // The audit trail is append-only.
  shared_audit_event: ["SELECT", "INSERT"],
};

export const TENANT_DEFAULT_PRIVILEGES: ReadonlyArray<Privilege> = ["SELECT", "INSERT", "UPDATE", "DELETE"];

export const appPrivileges = (table: string): ReadonlyArray<Privilege> =>
  APP_PRIVILEGES_BY_TABLE[table] ?? TENANT_DEFAULT_PRIVILEGES;

const createRoleIfMissing = (role: string, attributes: string) => `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
    CREATE ROLE "${role}" ${attributes};
  END IF;
EXCEPTION
  -- Roles are cluster-wide: another database's migration may have created it a moment ago.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;`;

/** Idempotent role creation, then the attributes asserted every time (a re-run repairs drift). */
export const createRolesSql = (): ReadonlyArray<string> => [
  createRoleIfMissing(APP_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"),
  `ALTER ROLE "${APP_ROLE}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;`,
  createRoleIfMissing(ADMIN_ROLE, "NOLOGIN BYPASSRLS NOSUPERUSER"),
  `ALTER ROLE "${ADMIN_ROLE}" NOLOGIN BYPASSRLS NOSUPERUSER;`,
  `GRANT USAGE ON SCHEMA public TO "${APP_ROLE}", "${ADMIN_ROLE}";`,
];
