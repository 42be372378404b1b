export * as IamTables from "./tables/index.ts";
