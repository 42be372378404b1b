import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import {
  ADMIN_ROLE,
  APP_FIXED_COLUMNS,
  APP_ROLE,
  appPrivileges,
  appPrivilegesOf,
  createRolesSql,
  type Privilege,
} from "./Roles.ts";

/**
 * What drizzle-kit cannot emit and every table needs: the roles, FORCE ROW LEVEL SECURITY, and grants.
 * Each item is one statement; `db:generate` writes whichever are not yet in any migration.
 */
export const ROLES_MARKER = "-- beep: roles";

export const forceSql = (table: string) => `ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY;`;

/**
 * The runtime role's and the admin role's grants; a partition takes its parent's `privileges`. A table with
 * fixed columns (`APP_FIXED_COLUMNS`) gets UPDATE on its other `columns` only; with no `privileges` the runtime
 * role gets nothing (and loses what an earlier definition granted it).
 */
export const grantSql = (
  table: string,
  privileges: ReadonlyArray<Privilege> = appPrivileges(table),
  columns: ReadonlyArray<string> = [],
): ReadonlyArray<string> => {
  const fixed = APP_FIXED_COLUMNS[table] ?? [];
  const admin = `GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "${table}" TO "${ADMIN_ROLE}";`;
  if (privileges.length === 0) return [`REVOKE ALL ON TABLE "${table}" FROM "${APP_ROLE}";`, admin];
  if (fixed.length === 0 || !privileges.includes("UPDATE")) {
    return [`GRANT ${privileges.join(", ")} ON TABLE "${table}" TO "${APP_ROLE}";`, admin];
  }
  const updatable = columns.filter((column) => !fixed.includes(column)).map((column) => `"${column}"`);
  return [
    `REVOKE UPDATE ON TABLE "${table}" FROM "${APP_ROLE}";`,
    `GRANT ${privileges.filter((p) => p !== "UPDATE").join(", ")} ON TABLE "${table}" TO "${APP_ROLE}";`,
    `GRANT UPDATE (${updatable.join(", ")}) ON TABLE "${table}" TO "${APP_ROLE}";`,
    admin,
  ];
};

/**
 * Every statement the schema needs, in order: roles first, then per table FORCE and grants (`Roles.appPrivilegesOf`:
 * a `none` table's runtime grants are the ones its definition declares).
 */
export const desiredStatements = (tables: ReadonlyArray<PgTable>): ReadonlyArray<string> => [
  ROLES_MARKER,
  ...createRolesSql(),
  ...tables.flatMap((table) => {
    const config = getTableConfig(table);
    const columns = config.columns.map((column) => column.name);
    return [
      ...(config.enableRLS ? [forceSql(config.name)] : []),
      ...grantSql(config.name, appPrivilegesOf(table), columns),
    ];
  }),
];

const normalise = (statement: string) => statement.replace(/\s+/g, " ").trim();

/** All SQL already committed to the migrations folder, as normalised text. */
export const existingSql = (migrationsDir: string): string =>
  readdirSync(migrationsDir)
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .map((name) => normalise(readFileSync(join(migrationsDir, name), "utf8")))
    .join("\n");

/** The desired statements no migration contains yet. The roles block counts as present once its marker is. */
export const missingStatements = (tables: ReadonlyArray<PgTable>, migrationsDir: string): ReadonlyArray<string> => {
  const existing = existingSql(migrationsDir);
  const rolesPresent = existing.includes(ROLES_MARKER);
  const roleStatements = new Set(createRolesSql());
  return desiredStatements(tables).filter((statement) => {
    if (statement === ROLES_MARKER || roleStatements.has(statement)) return !rolesPresent;
    return !existing.includes(normalise(statement));
  });
};
