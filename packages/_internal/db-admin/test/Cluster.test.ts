import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { Effect } from "effect";
import {
  AppRole,
  Cluster,
  ContextKey,
  Distribution,
  DrizzleKit,
  Migrator,
  Registry,
  ShardPolicies,
} from "../src/index.ts";
import { appendMigration, cli, copyMigrations, query } from "./support.ts";

const lines = (text: string) => text.trim().split("\n");
const SHARDS = "4";

describe("Distribution.plan", () => {
  it("distributes the organizations by id, every table with organization_id co-located with them, the rest as references", () => {
    const plan = Distribution.plan();
    const byTable = new Map(plan.map((placement) => [placement.table, placement]));
    assert.deepStrictEqual(byTable.get(Distribution.ROOT), {
      table: Distribution.ROOT,
      kind: "distributed",
      column: "id",
    });
    for (const { metadata } of Registry.tenantTables) {
      assert.deepStrictEqual(byTable.get(metadata.tableName), {
        table: metadata.tableName,
        kind: "distributed",
        column: "organization_id",
        colocateWith: Distribution.ROOT,
      });
    }
    assert.strictEqual(byTable.get("shared_user")?.kind, "reference");
    assert.strictEqual(byTable.get("shared_audit_event")?.kind, "distributed");
    // Reference tables first, then the root, then the tables co-located with it.
    const ranks = plan.map((placement) =>
      placement.kind === "reference" ? 0 : placement.table === Distribution.ROOT ? 1 : 2,
    );
    assert.deepStrictEqual(ranks, [...ranks].sort());
  });
});

Testkit.describeWithCitus("db:migrate on a Citus cluster", (citus) => {
  let database: { url: string; name: string; drop: () => Promise<void> };
  const key = ContextKey.generate();
  const env = () => ({ DATABASE_URL: database.url, BEEP_CONTEXT_KEY: key, BEEP_SHARD_COUNT: SHARDS });

  beforeAll(async () => {
    database = await citus.createDatabase("cluster");
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
  });

  it("distributes as planned, co-located, with every shard's policies as its table's; a second run changes nothing", async () => {
    const first = await cli(["migrate"], env());
    assert.strictEqual(first.code, 0, first.stderr);
    const citusLines = lines(first.stdout).filter((line) => line.startsWith("citus: "));
    for (const placement of Distribution.plan()) {
      assert.include(citusLines, `citus: ${Distribution.describe(placement)}`);
    }
    assert.include(citusLines, `citus: put the context key on ${citus.workers.length} workers`);
    const rows = await query(
      database.url,
      (sql) => sql`select logicalrelid::regclass::text as name, partmethod, colocationid,
        column_to_column_name(logicalrelid, partkey) as column from pg_dist_partition`,
    );
    const found = new Map(rows.map((row) => [String(row.name), row]));
    const root = found.get(Distribution.ROOT);
    for (const placement of Distribution.plan()) {
      const row = found.get(placement.table);
      assert.isDefined(row, `${placement.table} is in pg_dist_partition`);
      if (placement.kind === "reference") assert.strictEqual(row?.partmethod, "n", placement.table);
      else {
        assert.strictEqual(row?.partmethod, "h", placement.table);
        assert.strictEqual(row?.column, placement.column, placement.table);
        assert.strictEqual(row?.colocationid, root?.colocationid, `${placement.table} is co-located`);
      }
    }
    assert.deepStrictEqual(await Effect.runPromise(ShardPolicies.differences(database.url)), []);

    const second = await cli(["migrate"], env());
    assert.strictEqual(second.code, 0, second.stderr);
    assert.deepStrictEqual(
      lines(second.stdout).filter((line) => line.startsWith("citus: ")),
      [],
    );
    const distribute = await cli(["distribute"], env());
    assert.strictEqual(distribute.code, 0, distribute.stderr);
    assert.deepStrictEqual(lines(distribute.stdout), [
      "citus: every table is distributed as planned, every shard's policies as its table's",
    ]);
  });

  it("as the app's role through the coordinator: no ticket reads nothing, a ticket reads only its organization, on every shard", async () => {
    const orgs = Array.from(
      { length: 8 },
      (_, i) => `shared_organization__01a23600-0000-7000-8000-${String(i).padStart(12, "0")}`,
    );
    await query(database.url, async (sql) => {
      for (const org of orgs) {
        await sql`insert into shared_organization (id, name) values (${org}, ${org}) on conflict do nothing`;
        await sql`insert into documents_document (id, organization_id, title)
          values (${`documents_document__${org.slice(-36)}`}, ${org}, 'doc') on conflict do nothing`;
      }
    });
    const login = await Effect.runPromise(AppRole.databaseLogin(database.url, database.name));
    try {
      await query(login.url, async (sql) => {
        const [nobody] = await sql`select count(*)::int as n from documents_document`;
        assert.strictEqual(nobody?.n, 0, "no ticket: no rows on any shard");
        for (const org of orgs) {
          const seen = await sql.begin(async (tx) => {
            await tx.unsafe("SET LOCAL citus.propagate_set_commands TO 'local'");
            // What the runtime sends on Citus (each its own statement): set_config alone never reaches a worker. As
            // the organization's owner, the strongest role.
            await tx.unsafe(
              `SET LOCAL ${TenantContext.SETTING} TO '${ContextTicket.signer(key)({ organizationId: org, role: "owner" })}'`,
            );
            return tx`select organization_id from documents_document`;
          });
          assert.deepStrictEqual(
            seen.map((row) => row.organization_id),
            [org],
          );
        }
      });
    } finally {
      await Effect.runPromise(login.drop);
    }
  });

  it("db:seed writes the demo organizations through the tenant context on the cluster, and a second run writes nothing", async () => {
    const login = await Effect.runPromise(AppRole.databaseLogin(citus.adminUrl, database.name));
    try {
      const seedEnv = { DATABASE_URL: database.url, BEEP_CONTEXT_KEY: key, APP_DATABASE_URL: login.url };
      const first = await cli(["seed"], seedEnv);
      assert.strictEqual(first.code, 0, first.stderr);
      assert.match(lines(first.stdout).at(-1) ?? "", /^created \d+ rows$/);
      const second = await cli(["seed"], seedEnv);
      assert.strictEqual(second.code, 0, second.stderr);
      assert.strictEqual(lines(second.stdout).at(-1), "already seeded: nothing created");
    } finally {
      await Effect.runPromise(login.drop);
    }
  });

  it("Citus still turns a restrictive policy permissive on the shards (when this fails, remove ShardPolicies)", async () => {
    await query(database.url, async (sql) => {
      await sql.unsafe("create table probe_restrictive (organization_id text not null, id text not null)");
      await sql`select create_distributed_table('probe_restrictive', 'organization_id', colocate_with => ${Distribution.ROOT})`;
      await sql.unsafe("alter table probe_restrictive enable row level security");
      await sql.unsafe("create policy probe_only on probe_restrictive as restrictive for all to public using (false)");
      const placements = await sql`select result from run_command_on_placements('probe_restrictive',
        $$select polpermissive from pg_policy where polname = 'probe_only' and polrelid = '%1$s'::regclass$$)`;
      assert.isAbove(placements.length, 0);
      assert.deepStrictEqual(
        [...new Set(placements.map((row) => row.result))],
        ["t"],
        "Citus now keeps restrictive policies restrictive: ShardPolicies' workaround can go",
      );
    });
    const differences = await Effect.runPromise(ShardPolicies.differences(database.url));
    assert.includeMembers(
      [...new Set(differences.map((difference) => `${difference.table}: ${difference.detail}`))],
      ["probe_restrictive: probe_only is permissive"],
    );
    assert.deepStrictEqual(await Effect.runPromise(ShardPolicies.repair(database.url)), ["probe_restrictive"]);
    assert.deepStrictEqual(await Effect.runPromise(ShardPolicies.differences(database.url)), []);
    await query(database.url, (sql) => sql.unsafe("drop table probe_restrictive"));
  });

  it("a table a later migration creates is distributed at once, before its foreign keys, and its shards get their policies", async () => {
    const table = "documents_comment";
    // The table as the migrations built it, statement by statement, replayed by a new migration on a live cluster.
    const statements = readMigrationFiles({ migrationsFolder: DrizzleKit.MIGRATIONS_DIR })
      .flatMap((migration) => migration.sql)
      .map((statement) => statement.trim())
      .filter((statement) => new RegExp(`(TABLE|ON) "${table}"`).test(statement))
      // A distribution column's default cannot change on Citus; the replayed CREATE TABLE keeps its first one.
      .filter((statement) => !statement.includes('ALTER COLUMN "organization_id"'));
    assert.isAbove(statements.length, 5);
    await query(database.url, (sql) => sql.unsafe(`drop table "${table}"`));
    const scratch = copyMigrations();
    try {
      appendMigration(scratch.dir, "comment_again", statements.join("\n--> statement-breakpoint\n"));
      await Effect.runPromise(Migrator.migrate({ url: database.url, migrationsDir: scratch.dir }));
    } finally {
      scratch.remove();
    }
    const [row] = await query(
      database.url,
      (sql) => sql`select (select colocationid from pg_dist_partition where logicalrelid = ${table}::regclass) =
        (select colocationid from pg_dist_partition where logicalrelid = ${Distribution.ROOT}::regclass) as colocated,
        (select count(*)::int from pg_constraint where conrelid = ${table}::regclass and contype = 'f') as keys`,
    );
    assert.deepStrictEqual({ ...row }, { colocated: true, keys: 3 });
    const settled = await Effect.runPromise(Cluster.settle(database.url));
    assert.include(settled?.repaired ?? [], table);
    assert.deepStrictEqual(await Effect.runPromise(ShardPolicies.differences(database.url)), []);
  });

  it("a tenant isolated on its own shard: the new shards' policies are put right by the next settle", async () => {
    const org = "shared_organization__01a23600-0000-7000-8000-0000000000ff";
    await query(database.url, async (sql) => {
      await sql`insert into shared_organization (id, name) values (${org}, 'large tenant')`;
      const before =
        await sql`select count(*)::int as n from pg_dist_shard where logicalrelid = 'documents_document'::regclass`;
      // Writes wait while the tenant's rows move (no logical replication needed).
      await sql`select isolate_tenant_to_new_shard('documents_document', ${org}::text, cascade_option => 'CASCADE', shard_transfer_mode => 'block_writes')`;
      const after =
        await sql`select count(*)::int as n from pg_dist_shard where logicalrelid = 'documents_document'::regclass`;
      assert.isAbove(after[0]?.n, before[0]?.n);
    });
    const differences = await Effect.runPromise(ShardPolicies.differences(database.url));
    assert.isAbove(differences.length, 0, "the split shards came with permissive copies of the policies");
    const settled = await Effect.runPromise(Cluster.settle(database.url));
    assert.include(settled?.repaired ?? [], "documents_document");
    assert.deepStrictEqual(await Effect.runPromise(ShardPolicies.differences(database.url)), []);
  });
});
