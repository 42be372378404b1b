export * as EntityId from "./EntityId.ts";
export * as SharedEntityIds from "./SharedEntityIds.ts";
