export * as DocumentsTables from "./tables/index.ts";
