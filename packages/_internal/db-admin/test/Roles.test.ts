import { randomBytes } from "node:crypto";
import { Testkit } from "@beep/testkit";
import { afterAll, assert, describe, it } from "@effect/vitest";
import { Roles } from "../src/index.ts";
import { query } from "./support.ts";

// Roles are cluster-wide and other test files use beep_app: exercise the same SQL on a role of this test's own.
const probe = `roles_probe_${randomBytes(4).toString("hex")}`;
afterAll(() => query(Testkit.adminUrl(), (sql) => sql.unsafe(`DROP ROLE IF EXISTS "${probe}"`)));

const state = () =>
  query(Testkit.adminUrl(), async (sql) => {
    const [row] =
      await sql`select xmin::text as version, rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole
      from pg_authid where rolname = ${probe}`;
    return row === undefined ? undefined : { ...row };
  });

describe("Roles.ensureRoleSql", () => {
  it("creates the role, writes nothing when it is in order, and repairs drifted attributes", async () => {
    const ensure = Roles.ensureRoleSql(probe, { login: true, bypassRls: false });
    const run = () => query(Testkit.adminUrl(), (sql) => sql.unsafe(ensure));
    await run();
    const created = await state();
    assert.deepInclude(created, {
      rolcanlogin: true,
      rolsuper: false,
      rolbypassrls: false,
      rolcreatedb: false,
      rolcreaterole: false,
    });
    await run();
    // Same row version: an idempotent re-run never rewrites the shared role row (concurrent writers would fail).
    assert.strictEqual((await state())?.version, created?.version);
    await query(Testkit.adminUrl(), (sql) => sql.unsafe(`ALTER ROLE "${probe}" BYPASSRLS CREATEDB`));
    await run();
    assert.deepInclude(await state(), { rolbypassrls: false, rolcreatedb: false, rolcanlogin: true });
  });

  it("beep_app and beep_admin get their attributes from the same SQL", () => {
    const [app, admin] = Roles.createRolesSql();
    assert.strictEqual(app, Roles.ensureRoleSql("beep_app", { login: true, bypassRls: false }));
    assert.strictEqual(admin, Roles.ensureRoleSql("beep_admin", { login: false, bypassRls: true }));
    assert.include(admin, 'CREATE ROLE "beep_admin" NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;');
  });
});
