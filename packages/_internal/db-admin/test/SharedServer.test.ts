// Tests touch only what they create: on a server they share (DATABASE_URL), beep_app's password and settings
// are the server's. A migrated test database logs in with a role of its own, gone with the database.
import { Testkit } from "@beep/testkit";
import { afterAll, assert, describe, it } from "@effect/vitest";
import * as MigratedDatabase from "../src/testing/MigratedDatabase.ts";
import { asTenant, query } from "./support.ts";

/** What of beep_app is cluster-wide, read as the superuser: its password and the settings of every database. */
const clusterState = () =>
  query(Testkit.adminUrl(), async (sql) => {
    const [role] = await sql`select rolpassword, rolcanlogin, rolsuper, rolbypassrls, rolvaliduntil
      from pg_authid where rolname = 'beep_app'`;
    // Settings for all databases, and for those that are not a test's own (a test may set beep_app's defaults
    // in its own database, which goes with it).
    const settings = await sql`select coalesce(d.datname, '') as database, s.setconfig
      from pg_db_role_setting s left join pg_database d on d.oid = s.setdatabase
      where s.setrole = 'beep_app'::regrole and (s.setdatabase = 0 or d.datname !~ '^[a-z_]+_[0-9a-z]+_[0-9a-f]{8}$')
      order by 1`;
    return { role: { ...role }, settings: settings.map((row) => ({ ...row })) };
  });

const loginRoles = (name: string) =>
  query(Testkit.adminUrl(), async (sql) =>
    (await sql`select rolname from pg_roles where rolname = ${name}`).map((row) => row.rolname as string),
  );

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("a shared server", () => {
  it("creating, using and dropping a migrated database leaves beep_app's password and settings as they were", async () => {
    // The roles exist from here on, as on a server that runs the product.
    const first = await MigratedDatabase.create();
    cleanups.push(first.drop);
    const before = await clusterState();
    assert.strictEqual(before.role.rolcanlogin, true);

    const database = await MigratedDatabase.create();
    let dropped = false;
    cleanups.push(async () => {
      if (!dropped) await database.drop();
    });
    assert.notStrictEqual(database.appRole, "beep_app");
    assert.isAtMost(Buffer.byteLength(database.appRole), 63);
    const login = await loginRoles(database.appRole);
    assert.deepStrictEqual(login, [database.appRole]);

    // Its sessions run as beep_app: the grants, the policies and `current_user` are beep_app's.
    const seen = await query(database.appUrl, async (sql) => {
      const [who] = await sql`select current_user as role, session_user as login,
        (select rolsuper or rolbypassrls from pg_roles where rolname = session_user) as bypasses`;
      const org = "shared_organization__01a23600-0000-7000-8000-0000000000a1";
      await asTenant(
        sql,
        database.contextKey,
        org,
        (tx) => tx`insert into shared_organization (id, name) values (${org}, 'A')`,
      );
      const mine = await asTenant(sql, database.contextKey, org, (tx) => tx`select id from shared_organization`);
      const none = await asTenant(sql, database.contextKey, null, (tx) => tx`select id from shared_organization`);
      // RESET ALL (what each unit of work ends with) leaves `role` alone; DISCARD ALL returns to its default.
      await sql.unsafe("reset all");
      const [reset] = await sql`select current_user as role`;
      await sql.unsafe("discard all");
      const [discarded] = await sql`select current_user as role`;
      return {
        who: { ...who },
        mine: mine.map((row) => row.id),
        none: none.length,
        reset: reset?.role,
        discarded: discarded?.role,
      };
    });
    assert.deepStrictEqual(seen, {
      who: { role: "beep_app", login: database.appRole, bypasses: false },
      mine: ["shared_organization__01a23600-0000-7000-8000-0000000000a1"],
      none: 0,
      reset: "beep_app",
      discarded: "beep_app",
    });

    await database.drop();
    dropped = true;
    assert.deepStrictEqual(await loginRoles(database.appRole), [], "the login role went with its database");
    assert.deepStrictEqual(await clusterState(), before, "beep_app's password and settings are unchanged");
  });
});
