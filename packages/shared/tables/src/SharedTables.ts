/** The shared slice's tables: those drizzle-kit creates (the `/schema` entry) and the audit trail. */
export * from "./partitioned/auditEvent.ts";
export * from "./tables/index.ts";
