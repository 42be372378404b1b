export * as AppRole from "./AppRole.ts";
export * as DrizzleKit from "./DrizzleKit.ts";
export * as Enforcement from "./Enforcement.ts";
export * as Generate from "./Generate.ts";
export * as MigrationErrors from "./MigrationErrors.ts";
export * as Migrator from "./Migrator.ts";
export * as Registry from "./Registry.ts";
export * as Roles from "./Roles.ts";
