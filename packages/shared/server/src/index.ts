export * as Db from "./Db.ts";
export * as DbErrors from "./DbErrors.ts";
export * as SessionCleanup from "./SessionCleanup.ts";
export * as SystemDb from "./SystemDb.ts";
export * as TenantDb from "./TenantDb.ts";
export * as TenantQuery from "./TenantQuery.ts";
export * as TenantTx from "./TenantTx.ts";
export * as UserTx from "./UserTx.ts";
