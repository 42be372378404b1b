import type { TestProject } from "vitest/node";
import * as PgServer from "./PgServer.ts";
// The typing of what this setup provides lives beside `inject`, in Testkit.ts.
import type {} from "./Testkit.ts";

/** One PostgreSQL per test run; each test file creates its own database on it. */
export default async function setup(project: TestProject) {
  const server = await PgServer.start({ databaseUrl: process.env.DATABASE_URL });
  project.provide("beepPgAdminUrl", server.adminUrl);
  project.provide("beepPgKind", server.kind);
  return async () => {
    await server.stop();
  };
}
