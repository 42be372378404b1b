export * as DocumentsEntityIds from "./DocumentsEntityIds.ts";
export * as EntityId from "./EntityId.ts";
export * as IamEntityIds from "./IamEntityIds.ts";
export * as SharedEntityIds from "./SharedEntityIds.ts";
