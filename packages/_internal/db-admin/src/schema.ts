// Written by `bun run slices:sync` from the workspace's packages/*/tables: do not edit.
/** Every table of the product: what drizzle-kit diffs against and what audits compare with. */
export * from "@beep/documents-tables/schema";
export * from "@beep/iam-tables/schema";
export * from "@beep/shared-tables/schema";
