import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { loginFor } from "@beep/db-admin/testing";
import { TenantContext } from "@beep/shared-tables";
import { EmbeddedPostgres, Testkit } from "@beep/testkit";
import { afterAll, assert, describe, it } from "@effect/vitest";
import postgres from "postgres";
import {
  accepts,
  CURL,
  freshDataDir,
  removeScratch,
  scriptLines,
  startDev,
  startDevOnFreePorts,
  waitFor,
  within,
} from "./support/DevProcess.ts";

afterAll(removeScratch);

describe("bun run dev", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "prints a curl line that works, and exits cleanly on %s",
    { timeout: 180_000 },
    async (signal) => {
      const port = await EmbeddedPostgres.freePort();
      const pgPort = await EmbeddedPostgres.freePort();
      const dataDir = freshDataDir();
      const run = startDev({
        PORT: String(port),
        BEEP_PG_PORT: String(pgPort),
        BEEP_PG_DATA_DIR: dataDir,
      });
      try {
        const [, token, url] = await waitFor(run, CURL, 150_000);
        assert.include(run.output(), "dev secret");
        assert.include(run.output(), `http://127.0.0.1:${port}/docs`);
        const response = await fetch(url ?? "", { headers: { authorization: `Bearer ${token}` } });
        assert.strictEqual(response.status, 200);
        // The seeded demo organization's documents, and only that organization's.
        const page = (await response.json()) as { items: Array<{ title: string }> };
        assert.isAbove(page.items.length, 0);
        assert.isTrue(await accepts(pgPort));
        const logged = await waitFor(run, /\{"level":"info"[^\n]*"path":"\/v1\/documents"[^\n]*\}/, 10_000);
        assert.deepInclude(JSON.parse(logged[0]), { method: "GET", status: 200 });
        assert.notInclude(logged[0], token ?? "");
        // A second one while this one runs: the port is taken, and it says so without touching the database.
        const second = startDev({ PORT: String(port), BEEP_PG_PORT: String(pgPort), BEEP_PG_DATA_DIR: dataDir });
        assert.notStrictEqual(await within(second.exited, 30_000, "the second dev did not exit"), 0);
        assert.match(second.output(), new RegExp(`port ${port} .*already in use`));
        assert.strictEqual((await fetch(url ?? "", { headers: { authorization: `Bearer ${token}` } })).status, 200);
      } finally {
        run.child.kill(signal);
      }
      const code = await within(run.exited, 30_000, `dev did not exit after ${signal}:\n${run.output()}`);
      assert.strictEqual(code, 0, run.output());
      assert.isFalse(await accepts(port), "the HTTP port is closed");
      assert.isFalse(await accepts(pgPort), "the embedded PostgreSQL is stopped");
      assert.isTrue(existsSync(join(dataDir, "PG_VERSION")), "the data directory is kept");
    },
  );

  it("with DATABASE_URL, migrates, seeds and serves that database instead", { timeout: 120_000 }, async () => {
    const database = await Testkit.createDatabase("dev");
    // A login of this database's own that acts as beep_app: BEEP_APP_PASSWORD would set beep_app's
    // password, cluster-wide, on a server other test files (and, with DATABASE_URL, others) use.
    const login = await loginFor(database);
    const port = await EmbeddedPostgres.freePort();
    const dataDir = freshDataDir();
    const env = {
      PORT: String(port),
      DATABASE_URL: database.url,
      AUTH_SECRET: "a-dev-test-secret-of-at-least-32-characters",
      APP_DATABASE_URL: login.url,
      BEEP_PG_DATA_DIR: dataDir,
    };
    // A server dev did not start gets no default key: without BEEP_CONTEXT_KEY it stops before migrating.
    const keyless = startDev(env);
    assert.notStrictEqual(await within(keyless.exited, 30_000, "dev did not exit"), 0);
    assert.include(keyless.output(), "BEEP_CONTEXT_KEY must be set");
    const run = startDev({ ...env, BEEP_CONTEXT_KEY: "a-context-key-for-the-dev-test-0123456789" });
    try {
      const [, token, url] = await waitFor(run, CURL, 90_000);
      const response = await fetch(url ?? "", { headers: { authorization: `Bearer ${token}` } });
      assert.strictEqual(response.status, 200);
      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      // Every tenant organization, not the shared one the migrations create.
      const organizations =
        await sql`select name from shared_organization where id <> ${TenantContext.SHARED_ORGANIZATION_ID} order by name`;
      await sql.end();
      assert.deepStrictEqual(
        organizations.map((row) => row.name),
        ["Acme", "Globex"],
      );
      assert.isFalse(existsSync(dataDir), "no embedded database was started");
      assert.notInclude(run.output(), "dev secret");
    } finally {
      run.child.kill("SIGTERM");
    }
    assert.strictEqual(await within(run.exited, 30_000, "dev did not exit"), 0, run.output());
    await database.drop();
    await login.drop();
  });

  it("with DATABASE_URL but no AUTH_SECRET, refuses the built-in dev secret in one line, touching nothing", async () => {
    // Nothing listens there: reaching for the database would fail with another message.
    const databaseUrl = `postgres://postgres:x@127.0.0.1:${await EmbeddedPostgres.freePort()}/beep`;
    const dataDir = freshDataDir();
    const run = startDev({
      PORT: String(await EmbeddedPostgres.freePort()),
      DATABASE_URL: databaseUrl,
      BEEP_PG_DATA_DIR: dataDir,
    });
    const code = await within(run.exited, 30_000, `dev did not exit:\n${run.output()}`);
    assert.notStrictEqual(code, 0);
    const lines = scriptLines(run.output());
    assert.lengthOf(lines, 1, run.output());
    assert.match(lines[0] ?? "", /^beep dev: DATABASE_URL is set but AUTH_SECRET is not/);
    assert.notInclude(run.output(), "using DATABASE_URL");
    assert.isFalse(existsSync(dataDir), "no database was created");
  });

  it("says the port is taken, in one line, and exits non-zero before touching the database", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => {
        const address = blocker.address();
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      }),
    );
    const dataDir = freshDataDir();
    try {
      const run = startDev({ PORT: String(port), BEEP_PG_DATA_DIR: dataDir });
      const code = await within(run.exited, 30_000, `dev did not exit:\n${run.output()}`);
      assert.notStrictEqual(code, 0);
      const lines = scriptLines(run.output());
      assert.lengthOf(lines, 1, run.output());
      assert.match(lines[0] ?? "", new RegExp(`port ${port} .*already in use`));
      assert.isFalse(existsSync(dataDir), "no database was created");
    } finally {
      blocker.close();
    }
  });

  it("started on picked ports, starts again on another when the one picked was taken first", {
    timeout: 120_000,
  }, async () => {
    const blocker = createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => {
        const address = blocker.address();
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      }),
    );
    const picks: Array<number> = [];
    const pick = async () => {
      const port = picks.length === 0 ? taken : await EmbeddedPostgres.freePort();
      picks.push(port);
      return port;
    };
    try {
      const { run, port, match } = await startDevOnFreePorts(CURL, 90_000, { pick });
      try {
        assert.deepStrictEqual(picks, [taken, port]);
        assert.include(match[2] ?? "", `http://127.0.0.1:${port}/`);
      } finally {
        run.child.kill("SIGTERM");
      }
      assert.strictEqual(await within(run.exited, 30_000, `dev did not exit:\n${run.output()}`), 0, run.output());
    } finally {
      blocker.close();
    }
  });
});
