import { IamEntityIds } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { afterAll, assert, beforeAll, it } from "@effect/vitest";
import { Effect } from "effect";
import { AppRole, ContextKey, Distribution, DrizzleKit, Roles, ShardPolicies } from "../src/index.ts";
import { cli, query } from "./support.ts";

/**
 * db:migrate on a Citus cluster as the owner of the database that is no superuser, as a managed Citus service
 * hands out accounts: FORCE ROW LEVEL SECURITY applies to it, also while Citus copies a table's rows into its shards.
 */

const lines = (text: string) => text.trim().split("\n");
const SHARDS = "4";
/** `url` as `user`: the test cluster trusts connections from this machine, so no password. */
const urlAs = (url: string, user: string) => {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = "";
  return parsed.toString();
};

Testkit.describeWithCitus("db:migrate on Citus as an owner that is no superuser", (citus) => {
  // Roles are cluster-wide: a name of this run's own, dropped after it.
  const owner = `beep_owner_${process.pid}_${Date.now().toString(36)}`;
  let database: { url: string; name: string; drop: () => Promise<void> };
  const key = ContextKey.generate();

  beforeAll(async () => {
    database = await citus.createDatabase("managed");
    await query(citus.adminUrl, (sql) => sql.unsafe(`CREATE ROLE "${owner}" LOGIN NOSUPERUSER NOBYPASSRLS CREATEROLE`));
    await query(database.url, async (sql) => {
      // Citus propagates both to the workers' copies of the database.
      await sql.unsafe(`ALTER DATABASE "${database.name}" OWNER TO "${owner}"`);
      await sql.unsafe(`ALTER SCHEMA public OWNER TO "${owner}"`);
      // What an operator runs for beep_admin (BYPASSRLS), which the owner may not create.
      const admin = Roles.ROLE_ATTRIBUTES[Roles.ADMIN_ROLE];
      if (admin !== undefined) await sql.unsafe(Roles.ensureRoleSql(Roles.ADMIN_ROLE, admin));
    });
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
    await query(citus.adminUrl, (sql) => sql.unsafe(`DROP ROLE IF EXISTS "${owner}"`));
  });

  it("distributes every table, the one holding a row included, and FORCE RLS holds on every table and shard after", async () => {
    const url = urlAs(database.url, owner);
    const env = { DATABASE_URL: url, BEEP_CONTEXT_KEY: key, BEEP_SHARD_COUNT: SHARDS };
    const run = await cli(["migrate"], env);
    assert.strictEqual(run.code, 0, run.stdout + run.stderr);
    for (const placement of Distribution.plan()) {
      assert.include(lines(run.stdout), `citus: ${Distribution.describe(placement)}`);
    }
    // Every table, shell and shard on every node forced again: RLS binds the owner as before.
    const unforced = await query(
      database.url,
      (sql) => sql`select nodeid, result from run_command_on_all_nodes($$select count(*) from pg_class
        where relnamespace = 'public'::regnamespace and relrowsecurity and not relforcerowsecurity$$)`,
    );
    assert.lengthOf(unforced, 1 + citus.workers.length);
    for (const node of unforced) assert.strictEqual(node.result, "0", `node ${node.nodeid}`);
    const [shards] = await query(
      database.url,
      (sql) => sql`select count(*)::int as n from pg_dist_shard where logicalrelid = ${Distribution.ROOT}::regclass`,
    );
    assert.strictEqual(shards?.n, Number(SHARDS));
    assert.deepStrictEqual(await Effect.runPromise(ShardPolicies.differences(database.url)), []);

    // Again: nothing to do, beep_admin keeps the LOGIN the cluster needs, and the audit passes as the owner.
    const again = await cli(["migrate"], env);
    assert.strictEqual(again.code, 0, again.stdout + again.stderr);
    assert.deepStrictEqual(lines(again.stdout), [
      `nothing to migrate: all ${DrizzleKit.journal(DrizzleKit.MIGRATIONS_DIR).length} migrations were already applied`,
    ]);
    const verify = await cli(["verify"], { DATABASE_URL: url });
    assert.strictEqual(verify.code, 0, verify.stdout + verify.stderr);
  });

  it("beep.assume_role(), owned by that owner, reads a membership on the workers under FORCE RLS, and the workers get the role", async () => {
    const organizationId = SharedEntityIds.OrganizationId.create();
    const member = SharedEntityIds.UserId.create();
    const colleague = SharedEntityIds.UserId.create();
    const stranger = SharedEntityIds.UserId.create();
    await query(database.url, async (sql) => {
      await sql`insert into shared_organization (id, name) values (${organizationId}, 'Managed')`;
      await sql`insert into shared_user (id, email, name) values (${member}, 'm@example.com', 'm'),
        (${colleague}, 'c@example.com', 'c'), (${stranger}, 's@example.com', 's')`;
      await sql`insert into iam_member (id, organization_id, user_id, role)
        values (${IamEntityIds.MemberId.create()}, ${organizationId}, ${member}, 'admin'),
          (${IamEntityIds.MemberId.create()}, ${organizationId}, ${colleague}, 'member')`;
    });
    const [fn] = await query(
      database.url,
      (sql) =>
        sql`select pg_get_userbyid(proowner) as name from pg_proc where oid = 'beep.assume_role()'::regprocedure`,
    );
    assert.strictEqual(fn?.name, owner);
    const sign = ContextTicket.signer(key);
    const login = await Effect.runPromise(AppRole.databaseLogin(citus.adminUrl, database.name));
    const assumeAs = (userId: string, assume = true) =>
      query(login.url, (sql) =>
        sql.begin(async (tx) => {
          // What the runtime sends on Citus: the ticket as SET LOCAL, propagated to the workers.
          await tx.unsafe(TenantContext.CITUS_PROPAGATE_SQL);
          await tx.unsafe(TenantContext.citusContextSql(sign({ organizationId, userId })) ?? "");
          const [row] = assume ? await tx.unsafe(TenantContext.ASSUME_ROLE_SQL) : [];
          // Read on a worker: with the role the ticket now carries, the organization's members; without, one's own row.
          const [members] = await tx`select count(*)::int as n from iam_member`;
          return [row?.role, members?.n];
        }),
      ).catch((error: { code?: string }) => error.code);
    try {
      assert.deepStrictEqual(await assumeAs(member), ["admin", 2]);
      assert.deepStrictEqual(await assumeAs(colleague), ["member", 2]);
      assert.deepStrictEqual(await assumeAs(colleague, false), [undefined, 1]);
      assert.strictEqual(await assumeAs(stranger), TenantContext.NO_ROLE_SQLSTATE);
    } finally {
      await Effect.runPromise(login.drop);
    }
  });

  it("a second database of the cluster: the role migrations would take beep_admin's LOGIN, which only an operator may change; refused in one line, nothing changed", async () => {
    const second = await citus.createDatabase("managed2");
    try {
      await query(second.url, (sql) => sql.unsafe(`ALTER DATABASE "${second.name}" OWNER TO "${owner}"`));
      const run = await cli(["migrate"], {
        DATABASE_URL: urlAs(second.url, owner),
        BEEP_CONTEXT_KEY: ContextKey.generate(),
      });
      assert.strictEqual(run.code, 1, run.stdout);
      assert.deepStrictEqual(lines(run.stderr), [
        `"${owner}" may not create or change the roles beep_admin (nothing was changed): have an operator run ALTER ROLE "beep_admin" NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE; then run db:migrate again`,
      ]);
      const [tables] = await query(
        second.url,
        (sql) => sql`select count(*)::int as n from pg_tables where schemaname = 'public'`,
      );
      assert.strictEqual(tables?.n, 0);
    } finally {
      await second.drop();
    }
  });
});
