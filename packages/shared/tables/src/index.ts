export * as ContextTicket from "./ContextTicket.ts";
export * as OrgTable from "./OrgTable.ts";
export * as SharedTables from "./SharedTables.ts";
export * as Table from "./Table.ts";
export * as TableErrors from "./TableErrors.ts";
export * as TableShape from "./TableShape.ts";
export * as TenantContext from "./TenantContext.ts";
export * as TenantPolicy from "./TenantPolicy.ts";
