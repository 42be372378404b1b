import { spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { Testkit } from "@beep/testkit";
import { afterAll, assert, describe, it } from "@effect/vitest";
import { AuditEvent, ContextKey, DrizzleKit } from "../src/index.ts";
import * as MigratedDatabase from "../src/testing/MigratedDatabase.ts";
import { cli, query } from "./support.ts";

const TAGS = DrizzleKit.journal(DrizzleKit.MIGRATIONS_DIR).map((entry) => entry.tag);

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
});

const lines = (text: string) => text.trim().split("\n");

describe.concurrent("bun src/bin/cli.ts (with DATABASE_URL)", () => {
  it("migrate prints one line per applied migration, then that nothing was pending", async () => {
    const database = await Testkit.createDatabase();
    cleanups.push(database.drop);
    // Without a context key, a database that has none cannot be migrated into use: one clear line.
    const keyless = await cli(["migrate"], { DATABASE_URL: database.url });
    assert.strictEqual(keyless.code, 1);
    assert.match(lines(keyless.stderr)[0] ?? "", /^BEEP_CONTEXT_KEY is not set and the database has no context key/);
    const weak = await cli(["migrate"], { DATABASE_URL: database.url, BEEP_CONTEXT_KEY: "short" });
    assert.strictEqual(weak.code, 1);
    assert.include(weak.stderr, "BEEP_CONTEXT_KEY");
    const key = ContextKey.generate();
    const first = await cli(["migrate"], { DATABASE_URL: database.url, BEEP_CONTEXT_KEY: key });
    assert.strictEqual(first.code, 0, first.stderr);
    // The keyless runs changed nothing: every migration is applied now.
    assert.deepStrictEqual(lines(first.stdout), [
      ...TAGS.map((tag) => `applied ${tag}`),
      "installed the context key (BEEP_CONTEXT_KEY)",
    ]);
    const second = await cli(["migrate"], { DATABASE_URL: database.url, BEEP_CONTEXT_KEY: key });
    assert.strictEqual(second.code, 0, second.stderr);
    assert.deepStrictEqual(lines(second.stdout), [
      `nothing to migrate: all ${TAGS.length} migrations were already applied`,
    ]);
    const rotated = await cli(["migrate"], { DATABASE_URL: database.url, BEEP_CONTEXT_KEY: ContextKey.generate() });
    assert.strictEqual(rotated.code, 0, rotated.stderr);
    assert.include(
      lines(rotated.stdout),
      "changed the context key: restart every server with the new BEEP_CONTEXT_KEY",
    );
    // A month without its partition (as when the calendar moves on) is created by the next migrate.
    const now = new Date();
    const missing = AuditEvent.partitionName(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1)));
    await query(database.url, (sql) => sql`drop table ${sql(missing)}`);
    const third = await cli(["migrate"], { DATABASE_URL: database.url });
    assert.strictEqual(third.code, 0, third.stderr);
    assert.deepStrictEqual(lines(third.stdout), [
      `nothing to migrate: all ${TAGS.length} migrations were already applied`,
      "BEEP_CONTEXT_KEY is not set: kept the context key the database has",
      `created partition ${missing}`,
    ]);
  });

  it("verify prints a table (or --json) and exits 0 on a sound database, 1 with one line on a broken one", async () => {
    const database = await MigratedDatabase.create();
    cleanups.push(database.drop);
    const text = await cli(["verify"], { DATABASE_URL: database.adminUrl });
    assert.strictEqual(text.code, 0, text.stderr);
    assert.match(lines(text.stdout)[0] ?? "", /^object\s+kind\s+status\s+problems$/);
    assert.match(text.stdout, /^documents_document\s+table\s+ok$/m);
    assert.match(lines(text.stdout).at(-1) ?? "", /^all \d+ objects ok$/);
    const json = await cli(["verify", "--json"], { DATABASE_URL: database.adminUrl });
    assert.strictEqual(json.code, 0, json.stderr);
    assert.isTrue(JSON.parse(json.stdout).ok);

    await query(database.adminUrl, (sql) => sql`ALTER TABLE documents_document NO FORCE ROW LEVEL SECURITY`);
    const broken = await cli(["verify"], { DATABASE_URL: database.adminUrl });
    assert.strictEqual(broken.code, 1);
    assert.match(
      broken.stdout,
      /^documents_document\s+table\s+FAIL\s+RLS is not forced: the table owner bypasses it$/m,
    );
    assert.deepStrictEqual(lines(broken.stderr), [
      `verify failed: 1 of ${JSON.parse(json.stdout).subjects.length} objects have problems (documents_document)`,
    ]);
    const brokenJson = await cli(["verify", "--json"], { DATABASE_URL: database.adminUrl });
    assert.strictEqual(brokenJson.code, 1);
    const report = JSON.parse(brokenJson.stdout);
    assert.isFalse(report.ok);
    assert.deepStrictEqual(
      report.subjects.filter((subject: { status: string }) => subject.status === "FAIL"),
      [
        {
          kind: "table",
          name: "documents_document",
          status: "FAIL",
          problems: [{ code: "rls-not-forced", message: "RLS is not forced: the table owner bypasses it" }],
        },
      ],
    );
  });

  it("seed prints the organizations' ids, the same on a second run that creates nothing", async () => {
    const database = await MigratedDatabase.create();
    cleanups.push(database.drop);
    const keyed = { DATABASE_URL: database.adminUrl, BEEP_CONTEXT_KEY: database.contextKey };
    // beep_app's password is never a default: without a login for it, seed says what to set.
    const loginless = await cli(["seed"], keyed);
    assert.strictEqual(loginless.code, 1);
    assert.match(lines(loginless.stderr)[0] ?? "", /^DATABASE_URL is set: set APP_DATABASE_URL/);
    // The database's own login for beep_app: BEEP_APP_PASSWORD would set beep_app's password, cluster-wide.
    const first = await cli(["seed"], { ...keyed, APP_DATABASE_URL: database.appUrl });
    assert.strictEqual(first.code, 0, first.stderr);
    const [acme, globex, summary] = lines(first.stdout);
    assert.match(
      acme ?? "",
      /^Acme\s+shared_organization__\S+\s+owner Alice Anders <alice@acme\.example> shared_user__\S+$/,
    );
    assert.match(globex ?? "", /^Globex\s+shared_organization__\S+/);
    assert.strictEqual(summary, "created 26 rows");
    const second = await cli(["seed"], { ...keyed, APP_DATABASE_URL: database.appUrl });
    assert.strictEqual(second.code, 0, second.stderr);
    assert.deepStrictEqual(lines(second.stdout), [acme, globex, "already seeded: nothing created"]);
  });

  it("studio listens where --host and --port say, and says its page comes from the internet", async () => {
    const database = await MigratedDatabase.create();
    cleanups.push(database.drop);
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
      });
    });
    const child = spawn("bun", ["src/bin/cli.ts", "studio", "--port", String(port), "--host", "127.0.0.1"], {
      cwd: DrizzleKit.PACKAGE_DIR,
      env: { ...process.env, DATABASE_URL: database.adminUrl, NO_COLOR: "1" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const accepts = () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, "127.0.0.1", () => {
          socket.end();
          resolve(true);
        });
        socket.on("error", () => resolve(false));
      });
    try {
      let listening = false;
      for (let attempt = 0; attempt < 120 && !listening; attempt++) {
        listening = await accepts();
        if (!listening) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.isTrue(listening, `studio did not listen on ${port}:\n${stderr}`);
      assert.include(stderr, `its API listens on 127.0.0.1:${port}`);
      assert.include(stderr, "served from the internet");
    } finally {
      child.kill("SIGTERM");
    }
  }, 60_000);

  it("errors are one clear line and a non-zero exit", async () => {
    const badUrl = await cli(["migrate"], { DATABASE_URL: "not a url" });
    assert.strictEqual(badUrl.code, 1);
    assert.deepStrictEqual(lines(badUrl.stderr), [
      'invalid configuration: (Invalid data at DATABASE_URL: "Expected a postgres:// connection string")',
    ]);
    const unreachable = await cli(["migrate"], { DATABASE_URL: "postgres://nobody:secret@127.0.0.1:1/none" });
    assert.strictEqual(unreachable.code, 1);
    assert.deepStrictEqual(lines(unreachable.stderr), ["cannot migrate: connect ECONNREFUSED 127.0.0.1:1"]);
    const unknown = await cli(["frobnicate"], {});
    assert.strictEqual(unknown.code, 1);
    assert.include(unknown.stderr + unknown.stdout, "Invalid subcommand");
  });
});
