import { readFileSync } from "node:fs";
import { createServer, type Server, Socket } from "node:net";
import { join } from "node:path";
import { AppRole } from "@beep/db-admin";
import { create as createMigrated, loginFor, type MigratedDatabaseInfo } from "@beep/db-admin/testing";
import { EmbeddedPostgres, Testkit } from "@beep/testkit";
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest";
import postgres from "postgres";
import { accepts, REPO_DIR, runShell, scriptLines, startServer, waitFor, within } from "./support/DevProcess.ts";
import { AUTH_SECRET, LISTENING, signToken, signup, startEnv, stopServer } from "./support/StartProcess.ts";

/** A fresh migrated database for the whole file: its own context key, `beep_app` able to log in. */
let migrated: MigratedDatabaseInfo & { readonly drop: () => Promise<void> };
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  migrated = await createMigrated();
  cleanups.push(() => migrated.drop());
}, 120_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const freePort = () => EmbeddedPostgres.freePort();

/** Everything `bun run start` needs, on the file's migrated database; `overrides` replace or (undefined) remove. */
const envFor = (overrides: Record<string, string | undefined> = {}) => startEnv(migrated, overrides);

/** Starts it, expects it to refuse: non-zero exit, exactly one line, nothing listening. Returns the line. */
const refusal = async (env: Record<string, string>, timeoutMs = 30_000) => {
  const run = startServer(env);
  const code = await within(run.exited, timeoutMs, `start did not exit:\n${run.output()}`);
  assert.notStrictEqual(code, 0, run.output());
  const lines = scriptLines(run.output());
  assert.lengthOf(lines, 1, run.output());
  assert.notMatch(run.output(), LISTENING);
  const port = Number(env.PORT);
  if (Number.isInteger(port) && port > 0 && port < 65536) assert.isFalse(await accepts(port), "nothing listens");
  return lines[0] ?? "";
};

/**
 * What an operator does once it runs: sign up through the API, call it with a token they signed with
 * AUTH_SECRET (and one signed otherwise), and ask /health.
 */
const exercise = async (baseUrl: string) => {
  const { userId, organizationId } = await signup(baseUrl, "Start");
  const token = await signToken(userId, organizationId, AUTH_SECRET);
  const organization = await fetch(`${baseUrl}/v1/organization`, { headers: { authorization: `Bearer ${token}` } });
  assert.strictEqual(organization.status, 200);
  assert.strictEqual(((await organization.json()) as { id: string }).id, organizationId);
  const forged = await signToken(userId, organizationId, "another-secret-of-at-least-32-characters!");
  assert.strictEqual(
    (await fetch(`${baseUrl}/v1/organization`, { headers: { authorization: `Bearer ${forged}` } })).status,
    401,
  );
  const health = await fetch(`${baseUrl}/health`);
  assert.strictEqual(health.status, 200);
  assert.deepStrictEqual(await health.json(), { status: "ok", database: "ok" });
};

describe("bun run start: settings", () => {
  // A URL nothing listens on: a refusal that reached for the database would say so instead.
  const unreachable = async () => `postgres://beep_app:x@127.0.0.1:${await freePort()}/beep`;

  it.each(["AUTH_SECRET", "APP_DATABASE_URL", "BEEP_CONTEXT_KEY"])(
    "refuses without %s, in one line naming it, before listening",
    async (name) => {
      const line = await refusal(await envFor({ APP_DATABASE_URL: await unreachable(), [name]: undefined }));
      assert.match(line, new RegExp(`^beep start: ${name} is not set`));
      for (const other of ["AUTH_SECRET", "APP_DATABASE_URL", "BEEP_CONTEXT_KEY"].filter((n) => n !== name)) {
        assert.notInclude(line, other);
      }
    },
  );

  it("treats an empty required setting as missing", async () => {
    const line = await refusal(await envFor({ APP_DATABASE_URL: await unreachable(), AUTH_SECRET: "" }));
    assert.match(line, /^beep start: AUTH_SECRET is not set/);
  });

  it.each([
    ["AUTH_SECRET", "too-short", /AUTH_SECRET must be at least 32 characters \(got 9\)/],
    ["BEEP_CONTEXT_KEY", "too-short", /BEEP_CONTEXT_KEY must be at least 32 characters \(got 9\)/],
    ["APP_DATABASE_URL", "mysql://x@y/z", /APP_DATABASE_URL is not a postgres:\/\/ connection string/],
    ["DATABASE_POOL_MODE", "session", /DATABASE_POOL_MODE: Expected one of \(direct, transaction\)/],
    ["PORT", "http", /PORT: Expected an integer value/],
    ["PORT", "70000", /PORT: expected a port number/],
  ] as const)("refuses an invalid %s (%s) in one line", async (name, value, expected) => {
    const env = await envFor({ APP_DATABASE_URL: await unreachable() });
    const line = await refusal({ ...env, [name]: value });
    assert.match(line, expected);
    assert.notInclude(line, AUTH_SECRET);
  });

  it("names everything missing at once", async () => {
    const line = await refusal({ PORT: String(await freePort()), HOST: "127.0.0.1" });
    assert.match(line, /AUTH_SECRET is not set.*APP_DATABASE_URL is not set.*BEEP_CONTEXT_KEY is not set/);
  });
});

describe("bun run start: the database", () => {
  it("refuses a database with no migrations, naming bun run db:migrate", { timeout: 60_000 }, async () => {
    const fresh = await Testkit.createDatabase("start_fresh");
    cleanups.push(() => fresh.drop());
    // A login of this database's own, which runs as beep_app: no cluster-wide password is touched.
    const login = await loginFor(fresh);
    cleanups.push(() => login.drop());
    const line = await refusal(await envFor({ APP_DATABASE_URL: login.url }));
    assert.match(line, /^beep start: the database 127\.0\.0\.1:\d+\/\S+ as \S+ has no migrations/);
    assert.include(line, "run `bun run db:migrate`");
    assert.notInclude(line, decodeURIComponent(new URL(login.url).password));
  });

  it("refuses a database behind this server's migrations (a column missing)", { timeout: 120_000 }, async () => {
    const behind = await createMigrated();
    cleanups.push(() => behind.drop());
    const sql = postgres(behind.adminUrl, { max: 1, onnotice: () => {} });
    await sql.unsafe("ALTER TABLE documents_document DROP COLUMN content");
    await sql.end();
    const line = await refusal(await envFor({ APP_DATABASE_URL: behind.appUrl, BEEP_CONTEXT_KEY: behind.contextKey }));
    assert.match(line, /is behind this server's migrations \(missing documents_document\.content\)/);
    assert.include(line, "run `bun run db:migrate`");
  });

  it("refuses a BEEP_CONTEXT_KEY other than the one the database holds", async () => {
    const line = await refusal(await envFor({ BEEP_CONTEXT_KEY: "not-the-key-db-migrate-installed-0123456789" }));
    assert.match(line, /did not accept a tenant ticket signed with BEEP_CONTEXT_KEY/);
  });

  it("refuses a superuser login as APP_DATABASE_URL: RLS would not apply", async () => {
    const line = await refusal(await envFor({ APP_DATABASE_URL: migrated.adminUrl }));
    assert.match(line, /APP_DATABASE_URL logs in as \S+, which is a superuser/);
  });

  it("refuses a wrong password at once, naming the database", async () => {
    const wrong = AppRole.urlFor(migrated.appUrl, "beep_app", "not-the-password");
    const line = await refusal(await envFor({ APP_DATABASE_URL: wrong, DB_STARTUP_WAIT_SECONDS: "30" }), 10_000);
    assert.match(line, /the database 127\.0\.0\.1:\d+\/\S+ as beep_app refused the login/);
    assert.notInclude(line, "not-the-password");
  });

  it("waits DB_STARTUP_WAIT_SECONDS for an unreachable database, then refuses naming it", async () => {
    const port = await freePort();
    const started = Date.now();
    const run = startServer(
      await envFor({ APP_DATABASE_URL: `postgres://beep_app:x@127.0.0.1:${port}/beep`, DB_STARTUP_WAIT_SECONDS: "2" }),
    );
    const code = await within(run.exited, 30_000, `start did not exit:\n${run.output()}`);
    const elapsed = Date.now() - started;
    assert.notStrictEqual(code, 0);
    assert.isAtLeast(elapsed, 2_000);
    const lines = scriptLines(run.output());
    assert.lengthOf(lines, 2, run.output());
    assert.match(
      lines[0] ?? "",
      new RegExp(`waiting up to 2s for the database 127\\.0\\.0\\.1:${port}/beep as beep_app`),
    );
    assert.match(
      lines[1] ?? "",
      new RegExp(`^beep start: the database 127\\.0\\.0\\.1:${port}/beep as beep_app is unreachable after waiting 2s`),
    );
    assert.notMatch(run.output(), LISTENING);
  });

  it("serves once a database that was down at start comes up within the wait", { timeout: 60_000 }, async () => {
    const upstream = new URL(migrated.appUrl);
    const port = await freePort();
    const late = new URL(migrated.appUrl);
    late.port = String(port);
    const run = startServer(await envFor({ APP_DATABASE_URL: late.toString(), DB_STARTUP_WAIT_SECONDS: "30" }));
    let proxy: Server | undefined;
    const sockets = new Set<Socket>();
    try {
      await waitFor(run, /waiting up to 30s for the database/, 20_000);
      // The database "comes up": a TCP relay to the real server appears on the port.
      proxy = createServer((client) => {
        const server = new Socket();
        sockets.add(client).add(server);
        server.connect(Number(upstream.port), upstream.hostname);
        client.pipe(server).pipe(client);
        const close = () => {
          client.destroy();
          server.destroy();
        };
        client.on("error", close).on("close", close);
        server.on("error", close).on("close", close);
      });
      await new Promise<void>((resolve) => proxy?.listen(port, "127.0.0.1", resolve));
      const [, baseUrl] = await waitFor(run, LISTENING, 30_000);
      assert.strictEqual((await fetch(`${baseUrl}/health`)).status, 200);
    } finally {
      assert.strictEqual(await stopServer(run), 0, run.output());
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy?.close(resolve) ?? resolve(undefined));
    }
  });
});

describe("bun run start: serving", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "serves a migrated database (signup, a token signed with AUTH_SECRET, /health) and exits 0 on %s",
    { timeout: 60_000 },
    async (signal) => {
      const env = await envFor();
      const run = startServer(env);
      try {
        const [, baseUrl] = await waitFor(run, LISTENING, 30_000);
        assert.strictEqual(baseUrl, `http://127.0.0.1:${env.PORT}`);
        assert.include(run.output(), "as beep_app, pool mode direct");
        await exercise(baseUrl ?? "");
        const logged = await waitFor(run, /\{"level":"info"[^\n]*"path":"\/health"[^\n]*\}/, 10_000);
        assert.deepInclude(JSON.parse(logged[0]), { method: "GET", status: 200 });
      } finally {
        assert.strictEqual(await stopServer(run, signal), 0, run.output());
      }
      assert.include(run.output(), "shutting down: finishing in-flight requests");
      assert.isFalse(await accepts(Number(env.PORT)), "the port is closed");
    },
  );

  it("refuses a port that is taken, in one line", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => {
        const address = blocker.address();
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      }),
    );
    try {
      const run = startServer(await envFor({ PORT: String(port) }));
      assert.notStrictEqual(await within(run.exited, 30_000, "start did not exit"), 0);
      const lines = scriptLines(run.output());
      assert.lengthOf(lines, 1, run.output());
      assert.match(lines[0] ?? "", new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      blocker.close();
    }
  });
});

Testkit.describeWithPgBouncer("bun run start behind PgBouncer (transaction mode)", (bouncer) => {
  it("serves with DATABASE_POOL_MODE=transaction and exits 0 on SIGTERM", { timeout: 60_000 }, async () => {
    const env = await envFor({ APP_DATABASE_URL: bouncer.urlFor(migrated.appUrl), DATABASE_POOL_MODE: "transaction" });
    const run = startServer(env);
    try {
      const [, baseUrl] = await waitFor(run, LISTENING, 30_000);
      assert.include(run.output(), "as beep_app, pool mode transaction");
      await exercise(baseUrl ?? "");
      // Its admin console (the `pgbouncer` database) lists the pool of this database's login (which runs as beep_app).
      const admin = postgres(bouncer.adminConsoleUrl, { max: 1, fetch_types: false, onnotice: () => {} });
      const pools = await admin.unsafe("SHOW POOLS").simple();
      await admin.end();
      assert.isTrue(
        pools.some((row) => row.database === migrated.name && row.user === migrated.appRole),
        JSON.stringify(pools),
      );
    } finally {
      assert.strictEqual(await stopServer(run), 0, run.output());
    }
  });

  it("refuses startup parameters it does not track: 'unsupported startup parameter'", async () => {
    const sql = postgres(bouncer.urlFor(migrated.appUrl), {
      max: 1,
      prepare: false,
      connection: { statement_timeout: 1000 },
    });
    const error = await sql`select 1`.then(
      () => undefined,
      (cause: Error) => cause,
    );
    await sql.end({ timeout: 1 });
    assert.match(String(error?.message), /unsupported startup parameter/);
  });
});

describe("roles", () => {
  it("a CREATEROLE role without BYPASSRLS cannot create a BYPASSRLS role (stock PostgreSQL)", async () => {
    const sql = postgres(migrated.adminUrl, { max: 1, onnotice: () => {} });
    const rollback = new Error("rollback");
    let refused: unknown;
    // Roles are cluster-wide: everything here is rolled back.
    await sql
      .begin(async (tx) => {
        await tx.unsafe("CREATE ROLE beep_start_test_creator NOLOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS");
        await tx.unsafe("SET LOCAL ROLE beep_start_test_creator");
        await tx.unsafe("SAVEPOINT attempt");
        refused = await tx.unsafe("CREATE ROLE beep_start_test_bypass NOLOGIN BYPASSRLS").then(
          () => undefined,
          (cause: Error) => cause,
        );
        throw rollback;
      })
      .catch((cause) => {
        if (cause !== rollback) throw cause;
      });
    await sql.end();
    assert.instanceOf(refused, Error);
    assert.match(String((refused as Error).message), /permission denied to create role|BYPASSRLS/);
  });
});

// docs/deploy.md: every ```sh block is preceded by `<!-- tested: <name> -->` (run below) or
// `<!-- not run by a test: <why> -->`.
const DEPLOY_DOC = join(REPO_DIR, "docs", "deploy.md");
const docBlocks = () => {
  const text = readFileSync(DEPLOY_DOC, "utf8");
  const blocks = [...text.matchAll(/(?:<!-- (tested: [\w-]+|not run by a test: [^>]+) -->\n)?```sh\n([\s\S]*?)```/g)];
  return blocks.map((match) => ({ marker: match[1], body: match[2] ?? "" }));
};
const docBlock = (name: string) => {
  const found = docBlocks().filter((block) => block.marker === `tested: ${name}`);
  assert.lengthOf(found, 1, `docs/deploy.md has one block marked tested: ${name}`);
  return found[0]?.body ?? "";
};

describe("docs/deploy.md", () => {
  const TESTED = ["key", "migrate", "start", "health"];

  it("marks every sh block, and the tested ones are the ones run here", () => {
    const blocks = docBlocks();
    assert.isAbove(blocks.length, 0);
    for (const block of blocks) assert.isDefined(block.marker, `an unmarked block:\n${block.body}`);
    const tested = blocks.flatMap((block) => (block.marker?.startsWith("tested: ") ? [block.marker.slice(8)] : []));
    assert.sameMembers(tested, TESTED);
  });

  it("its commands: a key, migrate (twice), start, /health, stop", { timeout: 180_000 }, async () => {
    const key = runShell(docBlock("key"), {}, REPO_DIR);
    assert.strictEqual(await within(key.exited, 10_000, "key"), 0, key.output());
    const contextKey = key.output().trim();
    assert.isAtLeast(contextKey.length, 32);

    const fresh = await Testkit.createDatabase("start_doc");
    cleanups.push(() => fresh.drop());
    const login = await loginFor(fresh);
    cleanups.push(() => login.drop());
    const port = String(await freePort());
    const env = {
      DATABASE_URL: fresh.url,
      BEEP_CONTEXT_KEY: contextKey,
      AUTH_SECRET,
      APP_DATABASE_URL: login.url,
      PORT: port,
    };
    const migrate = runShell(docBlock("migrate"), env, REPO_DIR);
    assert.strictEqual(await within(migrate.exited, 90_000, "migrate"), 0, migrate.output());
    assert.include(migrate.output(), "installed the context key");
    // Safe to re-run: nothing left to apply, the key unchanged.
    const again = runShell(docBlock("migrate"), env, REPO_DIR);
    assert.strictEqual(await within(again.exited, 60_000, "migrate again"), 0, again.output());
    assert.include(again.output(), "nothing to migrate");
    assert.notInclude(again.output(), "changed the context key");

    const server = runShell(`exec ${docBlock("start").trim()}`, env, REPO_DIR);
    try {
      await waitFor(server, LISTENING, 30_000);
      assert.include(server.output(), `http://0.0.0.0:${port}`);
      const health = runShell(docBlock("health"), env, REPO_DIR);
      assert.strictEqual(await within(health.exited, 10_000, "health"), 0, health.output());
      assert.include(health.output(), '{"status":"ok","database":"ok"}');
    } finally {
      server.child.kill("SIGTERM");
      await within(server.exited, 30_000, `start did not exit:\n${server.output()}`);
    }
  });
});
