import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, assert, beforeAll, it } from "@effect/vitest";
import postgres from "postgres";
import { Citus, Testkit } from "../src/index.ts";
import { errorOf, runFixture } from "./support.ts";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

const { withSql } = Citus;

Testkit.describeWithCitus("a Citus cluster for tests", (citus) => {
  let database: Citus.CitusDatabase;
  /** The database's URL on the coordinator, then on each worker. */
  let nodeUrls: ReadonlyArray<string>;
  beforeAll(async () => {
    database = await citus.createDatabase("citus");
    nodeUrls = [database.url, ...citus.workers.map((worker) => Citus.atNode(database.url, worker))];
    await withSql(database.url, async (sql) => {
      await sql`create table items (tenant_id bigint not null, id bigint not null, primary key (tenant_id, id))`;
      await sql`select create_distributed_table('items', 'tenant_id')`;
      await sql`insert into items select t, 1 from generate_series(1, 100) as t`;
    });
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** The worker port holding `tenant`'s shard of `items`. */
  const portOf = (sql: postgres.Sql, tenant: number) =>
    sql<{ port: number }[]>`
      select p.nodeport as port from pg_dist_shard_placement p
      where p.shardid = get_shard_id_for_distribution_column('items', ${tenant}::bigint)`.then((rows) => rows[0]?.port);

  it("registers its workers, active, in the database's pg_dist_node", async () => {
    const rows = await withSql(
      database.url,
      (sql) => sql`
        select nodename as host, nodeport as port, isactive, noderole::text as role, shouldhaveshards
        from pg_dist_node where groupid <> 0 order by nodeport`,
    );
    const expected = [...citus.workers]
      .sort((a, b) => a.port - b.port)
      .map((worker) => ({ ...worker, isactive: true, role: "primary", shouldhaveshards: true }));
    assert.deepStrictEqual([...rows], expected);
    if (citus.kind === "started") assert.strictEqual(rows.length, 2);
    const [coordinator] = await withSql(
      database.url,
      (sql) => sql`select nodename as host, nodeport as port from pg_dist_node where groupid = 0`,
    );
    assert.deepStrictEqual({ ...coordinator }, { ...citus.coordinator });
  });

  it("has the extension in the database on every node", async () => {
    for (const url of nodeUrls) {
      const [row] = await withSql(
        url,
        (sql) => sql`select current_database() as name, extversion from pg_extension where extname = 'citus'`,
      );
      assert.strictEqual(row?.name, database.name, url);
      assert.match(String(row?.extversion), /^\d+\.\d+/, url);
    }
  });

  it("spreads a distributed table's shards over both workers", async () => {
    const shards = await withSql(
      database.url,
      (sql) => sql<{ name: string; port: number }[]>`
        select shard_name as name, nodeport as port from citus_shards where table_name = 'items'::regclass`,
    );
    assert.deepStrictEqual(
      [...new Set(shards.map((shard) => shard.port))].sort((a, b) => a - b),
      citus.workers.map((worker) => worker.port).sort((a, b) => a - b),
    );
    // Each worker holds rows of its own in its shards, and the coordinator sees them all.
    const rowsOn = (worker: Citus.Node) =>
      withSql(Citus.atNode(database.url, worker), async (sql) => {
        let rows = 0;
        for (const shard of shards.filter((candidate) => candidate.port === worker.port)) {
          const [count] = await sql.unsafe(`select count(*)::int as n from "${shard.name}"`);
          rows += Number(count?.n);
        }
        return rows;
      });
    const perWorker = await Promise.all(citus.workers.map(rowsOn));
    for (const rows of perWorker) assert.isAbove(rows, 0);
    assert.strictEqual(
      perWorker.reduce((a, b) => a + b, 0),
      100,
    );
    const [all] = await withSql(database.url, (sql) => sql`select count(*)::int as n from items`);
    assert.strictEqual(all?.n, 100);
  });

  it("drops a database from every node", async () => {
    const own = await citus.createDatabase("citus_drop");
    const present = (url: string) =>
      withSql(url, (sql) => sql`select count(*)::int as n from pg_database where datname = ${own.name}`).then(
        (rows) => rows[0]?.n,
      );
    const adminUrls = [citus.adminUrl, ...citus.workers.map((worker) => Citus.atNode(citus.adminUrl, worker))];
    assert.deepStrictEqual(await Promise.all(adminUrls.map(present)), [1, 1, 1].slice(0, adminUrls.length));
    await own.drop();
    assert.deepStrictEqual(await Promise.all(adminUrls.map(present)), [0, 0, 0].slice(0, adminUrls.length));
  });

  it("fails a query that needs a stopped worker, and answers once it is started again", async (context) => {
    if (citus.kind === "external") return context.skip("the workers of CITUS_URL's cluster are not the run's to stop");
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      // A tenant on each worker: stopping worker 0 takes one away, the other still answers.
      const tenants = await Promise.all(Array.from({ length: 100 }, (_, i) => portOf(sql, i + 1)));
      const onStopped = tenants.indexOf(citus.workers[0]?.port) + 1;
      const onOther = tenants.indexOf(citus.workers[1]?.port) + 1;
      assert.isAbove(onStopped, 0);
      assert.isAbove(onOther, 0);
      const tenantRows = (tenant: number) =>
        sql`select count(*)::int as n from items where tenant_id = ${tenant}`.then((rows) => rows[0]?.n);
      assert.strictEqual(await tenantRows(onStopped), 1);

      await citus.stopWorker(0);
      try {
        const error = await errorOf(() => tenantRows(onStopped));
        assert.include(error.message, String(citus.workers[0]?.port));
        assert.strictEqual(await tenantRows(onOther), 1);
        await errorOf(() => sql`select count(*) from items`);
        // Stopping a stopped worker is not an error.
        await citus.stopWorker(0);
      } finally {
        await citus.startWorker(0);
      }
      assert.strictEqual(await tenantRows(onStopped), 1);
      const [all] = await sql`select count(*)::int as n from items`;
      assert.strictEqual(all?.n, 100);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it("is found again from a URL of its coordinator (CITUS_URL)", async () => {
    const found = await Citus.fromUrl(database.url);
    assert.strictEqual(found.kind, "external");
    assert.deepStrictEqual(found.workers, citus.workers);
    assert.deepStrictEqual(found.coordinator, citus.coordinator);
    await found.stop();
    const error = await errorOf(() => found.stopWorker(0));
    assert.include(error.message, "CITUS_URL");
  });
});

const installed = Citus.available();
if (!installed.ok) console.log(`citus: ${Citus.explain(installed)}, the interrupted-run test did not run`);

it.skipIf(!installed.ok)(
  "a run interrupted by a signal stops the cluster it started and removes its data, then ends by that signal",
  async () => {
    const { child, started, ended, output } = runFixture<{ baseDir: string; host: string; port: number }>(
      "test/fixtures/citus/interrupted.ts",
    );
    const { baseDir, host, port } = await started;
    try {
      assert.isTrue(existsSync(baseDir));
      child.kill("SIGINT");
      assert.strictEqual(await ended, "SIGINT", output());
      assert.isFalse(existsSync(baseDir), `${baseDir} is left:\n${output()}`);
      const refused = await errorOf(() =>
        withSql(`postgres://postgres@${host}:${port}/postgres?connect_timeout=2`, (sql) => sql`select 1`),
      );
      assert.match(String(refused), /ECONNREFUSED|connect/i, `the coordinator still answers on ${port}`);
    } finally {
      // Should the check fail, what the child left goes anyway: a fast shutdown of each node, then its data.
      if (existsSync(baseDir)) {
        spawnSync("pkill", ["-INT", "-f", "--", `-D ${baseDir}/`]);
        await new Promise((resolve) => setTimeout(resolve, 3000));
        rmSync(baseDir, { recursive: true, force: true });
      }
      child.kill("SIGKILL");
    }
  },
  120_000,
);

it("reports a suite that needs Citus as skipped, never passed, when there is no cluster", () => {
  const run = spawnSync(
    process.execPath,
    [
      join(packageDir, "node_modules", "vitest", "vitest.mjs"),
      "run",
      "--config",
      "test/fixtures/citus/vitest.fixture.config.ts",
    ],
    {
      cwd: packageDir,
      encoding: "utf8",
      env: {
        ...process.env,
        CI: "true",
        NO_COLOR: "1",
        BEEP_CITUS: "off",
        BEEP_PGBOUNCER: "off",
        // This run's server: the nested run starts none of its own.
        DATABASE_URL: Testkit.adminUrl(),
      },
      timeout: 120_000,
    },
  );
  const output = run.stdout + run.stderr;
  assert.strictEqual(run.status, 0, output);
  const line = "citus: off (BEEP_CITUS=off), a suite that needs Citus did not run";
  assert.strictEqual(output.split("\n").filter((text) => text.includes(line)).length, 1, output);
  assert.match(output, /Tests\s+1 skipped \(1\)/, output);
  assert.notMatch(output, /\d+ passed/, output);
});
