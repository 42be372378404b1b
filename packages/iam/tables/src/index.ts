export * as IamEntityIds from "./IamEntityIds.ts";
export * as IamTables from "./tables/index.ts";
