export * as DocumentsEntityIds from "./DocumentsEntityIds.ts";
export * as DocumentsTables from "./tables/index.ts";
