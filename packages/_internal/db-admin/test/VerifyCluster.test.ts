import { Citus, Testkit } from "@beep/testkit";
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import type postgres from "postgres";
import { Cluster, ContextKey, Distribution, Verify } from "../src/index.ts";
import * as ClusterChecks from "../src/internal/clusterChecks.ts";
import { cli, query } from "./support.ts";

const lines = (text: string) => text.trim().split("\n");

/** The failing rows of `db:verify`'s table, as `name (kind)` to their problems, read by the header's columns. */
const failingRows = (stdout: string): Record<string, ReadonlyArray<string>> => {
  const [header = "", ...rows] = lines(stdout);
  const [kindAt, statusAt, problemsAt] = ["kind", "status", "problems"].map((title) => header.indexOf(title));
  const failing: Record<string, Array<string>> = {};
  let current: Array<string> | undefined;
  for (const row of rows.slice(0, -1)) {
    const name = row.slice(0, kindAt).trim();
    if (name !== "") {
      current = row.slice(statusAt, problemsAt).trim() === "FAIL" ? [] : undefined;
      if (current !== undefined) failing[`${name} (${row.slice(kindAt, statusAt).trim()})`] = current;
    }
    current?.push(row.slice(problemsAt));
  }
  return failing;
};

const documents = Distribution.plan().find((placement) => placement.table === "documents_document");

describe("the placement check", () => {
  const planned = documents ?? assert.fail("documents_document is in the plan");
  const root: ClusterChecks.Held = { name: Distribution.ROOT, kind: "distributed", column: "id", colocation: 2 };
  const held = (kind: ClusterChecks.HeldKind, column: string | null = null, colocation: number | null = null) => ({
    name: planned.table,
    kind,
    column,
    colocation,
  });
  const messages = (found: ClusterChecks.Held | undefined, organizations: ClusterChecks.Held | undefined = root) =>
    ClusterChecks.placementProblems(planned, found, organizations).map((entry) => `${entry.code}: ${entry.message}`);
  const plan = "the plan distributes it by organization_id, co-located with shared_organization";

  it("names what a tenant table is instead of distributed by organization_id and co-located", () => {
    assert.deepStrictEqual(messages(held("distributed", "organization_id", 2)), []);
    assert.deepStrictEqual(messages(held("local")), [
      `distribution-differs: is a plain table on the coordinator, not distributed; ${plan}: db:distribute places it`,
    ]);
    assert.deepStrictEqual(messages(held("distributed", "id", 2)), [
      `distribution-differs: is distributed by id; ${plan}`,
    ]);
    assert.deepStrictEqual(messages(held("reference", null, 1)), [
      `distribution-differs: is a reference table; ${plan}`,
    ]);
    assert.deepStrictEqual(messages(held("citus-local", null, 0)), [
      `distribution-differs: is a Citus local table (on the coordinator only); ${plan}`,
    ]);
    assert.deepStrictEqual(messages(undefined), ["distribution-differs: does not exist: run db:migrate"]);
    assert.deepStrictEqual(messages(held("distributed", "organization_id", 5)), [
      "not-colocated: is not co-located with shared_organization (colocation group 5, shared_organization's 2): a tenant's rows of the two are not on one node",
    ]);
    assert.deepStrictEqual(messages(held("distributed", "organization_id", 2), { ...root, kind: "local" }), [
      "not-colocated: is not co-located with shared_organization (colocation group 2, which is not distributed): a tenant's rows of the two are not on one node",
    ]);
  });

  it("a reference table must be one", () => {
    const reference = { table: "shared_user", kind: "reference" } as const;
    const shared = (kind: ClusterChecks.HeldKind, column: string | null = null) =>
      ClusterChecks.placementProblems(reference, { name: "shared_user", kind, column, colocation: 1 }, root);
    assert.deepStrictEqual(shared("reference"), []);
    assert.deepStrictEqual(
      shared("distributed", "id").map((entry) => entry.message),
      ["is distributed by id; the plan makes it a reference table"],
    );
  });
});

Testkit.describeWithCitus("db:verify on a Citus cluster", (citus) => {
  let database: Citus.CitusDatabase;
  const verify = () => cli(["verify"], { DATABASE_URL: database.url });
  const onNode = <A>(node: Citus.Node, f: (sql: postgres.Sql) => Promise<A>) =>
    query(Citus.atNode(database.url, node), f);

  /** The shard placement of `table` on `node` with the lowest shard id: its id and its name there. */
  const placementOn = async (table: string, node: Citus.Node) => {
    const [row] = await query(
      database.url,
      (sql) => sql`select shardid::int as shard, shard_name as name from citus_shards
        where table_name = ${table}::regclass and nodename = ${node.host} and nodeport = ${node.port}
        order by shardid limit 1`,
    );
    if (row === undefined) assert.fail(`${table} has no placement on ${node.host}:${node.port}`);
    return { shard: Number(row.shard), name: String(row.name), at: `${node.host}:${node.port}` };
  };

  /** `db:verify` fails on exactly `failing` (row to its problems), with one line naming them on stderr. */
  const failsWith = async (failing: Record<string, ReadonlyArray<string>>) => {
    const result = await verify();
    assert.strictEqual(result.code, 1, result.stdout + result.stderr);
    assert.deepStrictEqual(failingRows(result.stdout), failing);
    const names = Object.keys(failing).map((row) => row.replace(/ \(\w+\)$/, ""));
    assert.match(
      lines(result.stderr).join("\n"),
      new RegExp(`^verify failed: ${names.length} of \\d+ objects have problems \\(${names.join(", ")}\\)$`),
    );
  };

  const passes = async () => {
    const report = await Effect.runPromise(Verify.verify(database.url));
    assert.deepStrictEqual(
      report.subjects.filter((entry) => entry.status === "FAIL"),
      [],
    );
  };

  beforeAll(async () => {
    database = await citus.createDatabase("verify_cluster");
    const migrated = await cli(["migrate"], {
      DATABASE_URL: database.url,
      BEEP_CONTEXT_KEY: ContextKey.generate(),
      BEEP_SHARD_COUNT: "4",
    });
    assert.strictEqual(migrated.code, 0, migrated.stderr);
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
  });

  it("a migrated cluster verifies clean: a distribution row per table of the plan and per partition, the workers' keys", async () => {
    const result = await cli(["verify", "--json"], { DATABASE_URL: database.url });
    assert.strictEqual(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as Verify.Report;
    assert.isTrue(report.ok);
    const rows = report.subjects.filter((entry) => entry.kind === "distribution").map((entry) => entry.name);
    assert.includeMembers(
      rows,
      Distribution.plan().map((placement) => placement.table),
    );
    assert.isTrue(
      rows.some((name) => name.startsWith("shared_audit_event_")),
      "the audit partitions' shards too",
    );
    assert.deepInclude(report.subjects, { kind: "check", name: Verify.WORKER_KEY_CHECK, status: "ok", problems: [] });
  });

  it("one shard's restrictive tenant policy made permissive fails naming the table, shard and node; Cluster.settle (db:distribute) repairs it", async () => {
    const worker = citus.workers[0] ?? assert.fail("a worker");
    const shard = await placementOn("documents_document", worker);
    const policy = "tenant_isolation_documents_document";
    await onNode(worker, (sql) =>
      sql.begin(async (tx) => {
        const [found] = await tx`select polcmd, pg_get_expr(polqual, polrelid) as using,
            pg_get_expr(polwithcheck, polrelid) as check
          from pg_policy where polrelid = ${shard.name}::regclass and polname = ${policy} and not polpermissive`;
        assert.strictEqual(found?.polcmd, "*", `${policy} is restrictive FOR ALL on ${shard.name}`);
        await tx.unsafe(`DROP POLICY ${policy} ON ${shard.name}`);
        await tx.unsafe(
          `CREATE POLICY ${policy} ON ${shard.name} AS PERMISSIVE FOR ALL TO public USING (${found?.using}) WITH CHECK (${found?.check})`,
        );
      }),
    );
    await failsWith({
      "documents_document (distribution)": [`shard ${shard.shard} on ${shard.at}: ${policy} is permissive`],
    });
    const settled = await Effect.runPromise(Cluster.settle(database.url));
    assert.deepStrictEqual(settled?.repaired, ["documents_document"]);
    await passes();
  });

  it("FORCE removed on one placement of a reference table fails naming the table, shard and node; Cluster.settle (db:distribute) repairs it", async () => {
    const worker = citus.workers[1] ?? assert.fail("a second worker");
    const shard = await placementOn("shared_user", worker);
    await onNode(worker, (sql) => sql.unsafe(`ALTER TABLE ${shard.name} NO FORCE ROW LEVEL SECURITY`));
    await failsWith({
      "shared_user (distribution)": [`shard ${shard.shard} on ${shard.at}: FORCE row level security is off`],
    });
    const settled = await Effect.runPromise(Cluster.settle(database.url));
    assert.deepStrictEqual(settled?.repaired, ["shared_user"]);
    await passes();
  });

  it("a worker with another context key, or none, fails naming the node; Cluster.settle (db:distribute) copies the key again", async () => {
    const [changed, emptied] = citus.workers;
    if (changed === undefined || emptied === undefined) return assert.fail("two workers");
    const at = (node: Citus.Node) => `${node.host}:${node.port}`;
    // Swapped pads: a valid key of the right shape, just not the coordinator's.
    await onNode(changed, (sql) =>
      sql.unsafe("UPDATE beep_private.context_key SET inner_pad = outer_pad, outer_pad = inner_pad"),
    );
    await onNode(emptied, (sql) => sql.unsafe("DELETE FROM beep_private.context_key"));
    const repair = "db:distribute copies the coordinator's";
    await failsWith({
      // One line per node, in the order of their ports.
      [`${Verify.WORKER_KEY_CHECK} (check)`]: [
        [
          changed.port,
          `${at(changed)} has another context key than the coordinator: the server's tickets fail there, tenant queries see nothing on its shards; ${repair}`,
        ] as const,
        [
          emptied.port,
          `${at(emptied)} has no context key: no ticket passes there, tenant queries see nothing on its shards; ${repair}`,
        ] as const,
      ]
        .sort(([a], [b]) => a - b)
        .map(([, message]) => message),
    });
    const settled = await Effect.runPromise(Cluster.settle(database.url));
    assert.strictEqual(settled?.keysCopied, 2);
    await passes();
  });

  it("a tenant table moved out of the organizations' colocation group fails naming it", async () => {
    const colocation = (sql: postgres.Sql, table: string) =>
      sql`select colocationid::int as id from pg_dist_partition where logicalrelid = ${table}::regclass`.then(([row]) =>
        Number(row?.id),
      );
    const moved = await query(database.url, async (sql) => {
      await sql`select update_distributed_table_colocation('shared_file', colocate_with => 'none')`;
      return { file: await colocation(sql, "shared_file"), root: await colocation(sql, Distribution.ROOT) };
    });
    await failsWith({
      "shared_file (distribution)": [
        `is not co-located with shared_organization (colocation group ${moved.file}, shared_organization's ${moved.root}): a tenant's rows of the two are not on one node`,
      ],
    });
    // db:distribute places only what Citus does not hold yet: moving a table back is by hand.
    await query(
      database.url,
      (sql) => sql`select update_distributed_table_colocation('shared_file', colocate_with => ${Distribution.ROOT})`,
    );
    await passes();
  });
});
