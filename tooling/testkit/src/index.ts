export * as Citus from "./Citus.ts";
export * as EmbeddedPostgres from "./EmbeddedPostgres.ts";
export * as PgBouncer from "./PgBouncer.ts";
export * as PgServer from "./PgServer.ts";
export * as Ports from "./Ports.ts";
export * as RoundTripProxy from "./RoundTripProxy.ts";
export * as TestDatabase from "./TestDatabase.ts";
export * as Testkit from "./Testkit.ts";
