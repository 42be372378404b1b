import type { TestProject } from "vitest/node";
import * as PgBouncer from "./PgBouncer.ts";
import * as PgServer from "./PgServer.ts";
// The typing of what this setup provides lives beside `inject`, in Testkit.ts.
import type {} from "./Testkit.ts";

/**
 * One PostgreSQL per test run; each test file creates its own database on it. When PgBouncer is
 * installed (and `BEEP_PGBOUNCER` is not `off`), one PgBouncer in transaction mode in front of it.
 */
export default async function setup(project: TestProject) {
  const server = await PgServer.start({ databaseUrl: process.env.DATABASE_URL });
  let bouncer: PgBouncer.PgBouncer | undefined;
  try {
    if (process.env.BEEP_PGBOUNCER !== "off" && PgBouncer.binary() !== undefined) {
      bouncer = await PgBouncer.start({ upstreamAdminUrl: server.adminUrl });
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  project.provide("beepPgAdminUrl", server.adminUrl);
  project.provide("beepPgKind", server.kind);
  project.provide("beepPgBouncerUrl", bouncer?.urlFor(server.adminUrl) ?? "");
  return async () => {
    try {
      await bouncer?.stop();
    } finally {
      await server.stop();
    }
  };
}
