import { randomBytes } from "node:crypto";
import { EntityId } from "@beep/shared-domain";
import { OrgTable, TenantPolicy } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { sql } from "drizzle-orm";
import { getTableConfig, type PgTable, pgPolicy, text } from "drizzle-orm/pg-core";
import { Effect } from "effect";
import { AuditEvent, Registry, Verify } from "../src/index.ts";
import * as MigratedDatabase from "../src/testing/MigratedDatabase.ts";
import { cli, query } from "./support.ts";

type Breakage = ReadonlyArray<string> | ((database: MigratedDatabase.MigratedDatabaseInfo) => ReadonlyArray<string>);

/** A fresh migrated database, broken by `statements` (run as the owner), then `f`; dropped afterwards. */
const withBroken = async <A>(
  statements: Breakage,
  f: (database: MigratedDatabase.MigratedDatabaseInfo) => Promise<A>,
): Promise<A> => {
  const database = await MigratedDatabase.create();
  try {
    await query(database.adminUrl, async (sql) => {
      for (const statement of typeof statements === "function" ? statements(database) : statements) {
        await sql.unsafe(statement);
      }
    });
    return await f(database);
  } finally {
    await database.drop();
  }
};

/** A fresh migrated database, broken by `statements` (run as the owner), then verified. */
const verifyBroken = (statements: Breakage, options: Verify.VerifyOptions = {}) =>
  withBroken(statements, (database) => Effect.runPromise(Verify.verify(database.adminUrl, options)));

/** The database-wide check rows for beep_app, by what they check. */
const checks = Verify.checkNames();

/** The failing objects with their problem codes: exactly what verify blames. */
const failures = (report: Verify.Report) =>
  Object.fromEntries(
    report.subjects
      .filter((subject) => subject.status === "FAIL")
      .map((subject) => [subject.name, subject.problems.map((problem) => problem.code)]),
  );

/** `n` unbounded permissive policies, as `failures` lists them. */
const unbounded = (n: number): ReadonlyArray<Verify.ProblemCode> =>
  Array.from({ length: n }, (): Verify.ProblemCode => "unbounded-permissive");

const messagesOf = (report: Verify.Report, name: string) =>
  report.subjects.find((subject) => subject.name === name)?.problems.map((problem) => problem.message) ?? [];

const currentPartition = () => {
  const now = new Date();
  return AuditEvent.partitionName(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
};

describe("Verify.verify", () => {
  it("passes on an untouched migrated database, with a row for every table, partition and the role", async () => {
    const report = await verifyBroken([]);
    assert.deepStrictEqual(failures(report), {});
    assert.isTrue(report.ok);
    const names = report.subjects.map((subject) => subject.name);
    for (const table of [...Registry.tables, ...Registry.codeTables]) assert.include(names, getTableConfig(table).name);
    assert.includeMembers(names, [AuditEvent.DEFAULT_PARTITION, currentPartition(), "beep_app"]);
    assert.strictEqual(report.subjects.find((subject) => subject.name === currentPartition())?.kind, "partition");
    assert.match(Verify.renderTable(report), /all \d+ objects ok$/);
    // The database-wide checks each have their own row, in the report and so in the table and the JSON.
    assert.deepStrictEqual(Object.values(checks), [
      "beep_app: no CREATE or TEMPORARY",
      "beep_app: no role settings",
      "beep_app: no other SECURITY DEFINER functions",
      "tenant context check functions",
      "context key",
    ]);
    for (const name of Object.values(checks)) {
      assert.deepInclude(report.subjects, { kind: "check", name, status: "ok", problems: [] });
      assert.match(Verify.renderTable(report), new RegExp(`^${name}\\s+check\\s+ok$`, "m"));
    }
  });

  it("RLS disabled on a tenant table", async () => {
    const report = await verifyBroken(['ALTER TABLE "documents_document" DISABLE ROW LEVEL SECURITY']);
    assert.deepStrictEqual(failures(report), { documents_document: ["rls-disabled"] });
    assert.isFalse(report.ok);
  });

  it("RLS not forced", async () => {
    const report = await verifyBroken(['ALTER TABLE "iam_member" NO FORCE ROW LEVEL SECURITY']);
    assert.deepStrictEqual(failures(report), { iam_member: ["rls-not-forced"] });
  });

  it("a tenant policy whose USING clause was changed, however slightly", async () => {
    const report = await verifyBroken([
      `ALTER POLICY "tenant_isolation_documents_comment" ON "documents_comment"
        USING (organization_id = current_setting('app.current_org_id', true))`,
    ]);
    // The changed policy no longer bounds the table's permissive policies either: each of its six grants.
    assert.deepStrictEqual(failures(report), {
      documents_comment: ["policy-differs", ...unbounded(6)],
    });
    assert.include(
      messagesOf(report, "documents_comment"),
      'permissive policy "update_admin_documents_comment" (FOR UPDATE) is not bounded by a restrictive tenant policy of documents_comment: it can widen access beyond the tenant',
    );
    const [differs] = messagesOf(report, "documents_comment");
    assert.include(differs, 'policy "tenant_isolation_documents_comment" differs from the schema: USING is');
    assert.include(
      differs,
      "declared ((organization_id = beep.current_org_id_for(VARIADIC ARRAY['member'::text, 'admin'::text, 'owner'::text])))",
    );
  });

  it("a tenant policy whose WITH CHECK was changed", async () => {
    const report = await verifyBroken([
      `ALTER POLICY "tenant_isolation_shared_team" ON "shared_team" WITH CHECK (true)`,
    ]);
    assert.deepStrictEqual(failures(report), { shared_team: ["policy-differs", "unbounded-permissive"] });
    assert.include(messagesOf(report, "shared_team")[0], "WITH CHECK is (true)");
  });

  it("a table without RLS passes only when exempt with a written reason; a none-mode OrgTable by its definition's", async () => {
    const optOut = OrgTable.make(EntityId.make("test_opt_out"), {
      rlsPolicy: "none",
      reason: "opted out for the benchmark",
    })({ data: text("data") });
    assert.deepStrictEqual(Verify.declaredExemptions([...Registry.tables, optOut]), {
      test_opt_out: "opted out for the benchmark",
    });
    const database = await MigratedDatabase.create();
    try {
      await query(database.adminUrl, async (sql) => {
        await sql`CREATE TABLE "scratch_notes" (id text PRIMARY KEY, body text)`;
        await sql`CREATE TABLE "test_opt_out" (id text, organization_id text NOT NULL, data text,
          PRIMARY KEY (organization_id, id))`;
        await sql`CREATE TABLE "test_unknown" (id text, organization_id text NOT NULL, PRIMARY KEY (organization_id, id))`;
        await sql.unsafe(TenantPolicy.renderSql("test_unknown", "standard"));
      });
      const schema = [...Registry.tables, ...Registry.codeTables];
      const run = (declared: ReadonlyArray<PgTable>, exemptions: Record<string, string> = {}) =>
        Effect.runPromise(
          Verify.verify(database.adminUrl, {
            declaredTables: [...schema, ...declared],
            exemptions: { ...Verify.SYSTEM_EXEMPTIONS, ...exemptions },
          }),
        );
      // The opt-out declared in the definition is the exemption: no list to edit.
      const declared = await run([optOut]);
      assert.deepStrictEqual(failures(declared), { scratch_notes: ["rls-disabled"] });
      assert.deepStrictEqual(messagesOf(declared, "scratch_notes"), [
        'RLS is disabled and no exemption is declared: enable it (Table.withRls for a global table), or declare it in the table\'s definition, OrgTable.make(id, { rlsPolicy: "none", reason: "why no RLS" }); outside the schema, list it in Verify.SYSTEM_EXEMPTIONS with its reason',
      ]);
      // Undeclared, the same table with organization_id fails, and the message says where to declare it.
      const undeclared = await run([]);
      assert.includeMembers(failures(undeclared).test_opt_out ?? [], ["rls-disabled"]);
      assert.include(
        messagesOf(undeclared, "test_opt_out")[0],
        'RLS is disabled on a table with organization_id and the schema declares no opt-out: declare it in the table\'s definition, OrgTable.make(id, { rlsPolicy: "none", reason: "why no RLS" })',
      );
      const listed = await run([optOut], { scratch_notes: "notes are global" });
      assert.deepStrictEqual(failures(listed), {});
      const unexplained = await run([optOut], { scratch_notes: " " });
      assert.deepStrictEqual(failures(unexplained), { scratch_notes: ["exemption-without-reason"] });
      const bookkeeping = await Effect.runPromise(Verify.verify(database.adminUrl, { exemptions: {} }));
      assert.deepStrictEqual(failures(bookkeeping)["drizzle.__drizzle_migrations"], ["rls-disabled"]);
    } finally {
      await database.drop();
    }
  });

  it("a permissive policy with no restrictive tenant policy to bound it", async () => {
    const report = await verifyBroken([
      'DROP POLICY "tenant_isolation_documents_document" ON "documents_document"',
      'CREATE POLICY "open_all" ON "documents_document" AS PERMISSIVE FOR SELECT TO public USING (true)',
    ]);
    // open_all and the table's six grants.
    assert.deepStrictEqual(failures(report), {
      documents_document: ["policy-missing", "policy-undeclared", ...unbounded(7)],
    });
    const messages = messagesOf(report, "documents_document");
    assert.include(messages, 'policy "tenant_isolation_documents_document" is missing');
    assert.include(
      messages,
      'permissive policy "open_all" (FOR SELECT) is not bounded by a restrictive tenant policy of documents_document: it can widen access beyond the tenant',
    );
  });

  it("a restrictive tenant policy narrowed to one command no longer bounds the others", async () => {
    const report = await verifyBroken([
      'DROP POLICY "tenant_isolation_iam_api_key" ON "iam_api_key"',
      `CREATE POLICY "tenant_isolation_iam_api_key" ON "iam_api_key" AS RESTRICTIVE FOR SELECT TO public
        USING ("organization_id" = beep.current_org_id())`,
    ]);
    // A restrictive policy that differs from the declared one bounds nothing: the key's four grants.
    assert.deepStrictEqual(failures(report), { iam_api_key: ["policy-differs", ...unbounded(4)] });
    assert.deepStrictEqual(
      messagesOf(report, "iam_api_key")[0],
      'policy "tenant_isolation_iam_api_key" differs from the schema: is FOR SELECT, declared FOR ALL; WITH CHECK is none, declared ((organization_id = beep.current_org_id()))',
    );
  });

  it("beep_app owning a table", async () => {
    const report = await verifyBroken(['ALTER TABLE "shared_file" OWNER TO "beep_app"']);
    assert.deepStrictEqual(failures(report), { beep_app: ["role-owns-relations"] });
    assert.include(messagesOf(report, "beep_app")[0], "owns shared_file");
  });

  it("a runtime role that is superuser, BYPASSRLS, or a member of a BYPASSRLS role (or missing)", async () => {
    // Roles are cluster-wide and other test files use beep_app: probe with a role of this test's own.
    const probe = `verify_probe_${randomBytes(4).toString("hex")}`;
    const admin = Testkit.adminUrl();
    await query(admin, (sql) =>
      sql.unsafe(`CREATE ROLE "${probe}" SUPERUSER BYPASSRLS; GRANT beep_admin TO "${probe}"`),
    );
    try {
      const report = await verifyBroken([], { appRole: probe });
      // A superuser holds every privilege, and membership in beep_admin reaches the key: the checks say so too.
      assert.deepStrictEqual(failures(report), {
        [probe]: ["role-superuser", "role-bypassrls", "role-privileged-membership"],
        [`${probe}: no CREATE or TEMPORARY`]: ["app-temporary", "app-create-database", "app-create-schema"],
        "context key": ["context-key-readable", "enter-tenant-executable"],
      });
      assert.include(messagesOf(report, probe)[2], "member of beep_admin");
      // A role that does not exist holds nothing: only its own row fails.
      const missing = await verifyBroken([], { appRole: "no_such_role" });
      assert.deepStrictEqual(failures(missing), { no_such_role: ["role-missing"] });
      assert.strictEqual(missing.subjects.filter((subject) => subject.kind === "check").length, 6);
    } finally {
      await query(admin, (sql) => sql.unsafe(`DROP ROLE "${probe}"`));
    }
  });

  it("views over tenant tables without security_invoker, directly or through another view", async () => {
    const report = await verifyBroken([
      'CREATE VIEW "document_titles" AS SELECT id, title FROM "documents_document"',
      'CREATE VIEW "safe_titles" WITH (security_invoker = true) AS SELECT id, title FROM "documents_document"',
      'CREATE VIEW "titles_again" AS SELECT * FROM "safe_titles"',
      'CREATE MATERIALIZED VIEW "title_snapshot" AS SELECT id, title FROM "documents_document"',
      'CREATE VIEW "clock" AS SELECT now() AS at',
    ]);
    assert.deepStrictEqual(failures(report), {
      document_titles: ["view-not-security-invoker"],
      titles_again: ["view-not-security-invoker"],
      title_snapshot: ["materialized-view-over-tenant"],
    });
    assert.include(messagesOf(report, "document_titles")[0], "view reads documents_document with its owner's rights");
    assert.include(messagesOf(report, "titles_again")[0], "view reads safe_titles");
    assert.deepStrictEqual(
      report.subjects.filter((subject) => subject.kind === "view" && subject.status === "ok").map((s) => s.name),
      ["clock", "safe_titles"],
    );
  });

  it("SECURITY DEFINER functions that do not pin search_path (with pg_temp last)", async () => {
    const body = "LANGUAGE sql SECURITY DEFINER AS $$ SELECT count(*) FROM documents_document $$";
    const report = await verifyBroken([
      `CREATE FUNCTION "unpinned_count"() RETURNS bigint ${body}`,
      `CREATE FUNCTION "temp_first_count"() RETURNS bigint SET search_path = public ${body}`,
      `CREATE FUNCTION "pinned_count"() RETURNS bigint SET search_path = public, pg_temp ${body}`,
      'CREATE FUNCTION "invoker_count"() RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$',
    ]);
    assert.deepStrictEqual(failures(report), {
      "unpinned_count()": ["definer-search-path"],
      "temp_first_count()": ["definer-search-path"],
      // New functions are executable by PUBLIC, so by beep_app too.
      [checks.definerFunctions]: ["app-executes-definer"],
    });
    assert.deepStrictEqual(messagesOf(report, "unpinned_count()"), [
      "SECURITY DEFINER function does not pin search_path",
    ]);
    assert.include(
      report.subjects.map((subject) => `${subject.kind} ${subject.name} ${subject.status}`),
      "function pinned_count() ok",
    );
  });

  it("a partition of an RLS table without RLS of its own", async () => {
    const report = await verifyBroken([
      `ALTER TABLE "${currentPartition()}" NO FORCE ROW LEVEL SECURITY`,
      `CREATE TABLE "shared_audit_event_y2099m01" PARTITION OF "shared_audit_event"
        FOR VALUES FROM ('2099-01-01') TO ('2099-02-01')`,
    ]);
    assert.deepStrictEqual(failures(report), {
      [currentPartition()]: ["partition-rls"],
      shared_audit_event_y2099m01: ["partition-rls", "policy-missing", "policy-missing"],
    });
    assert.include(messagesOf(report, currentPartition())[0], "partition of shared_audit_event with RLS not forced");
    assert.include(messagesOf(report, "shared_audit_event_y2099m01")[0], "with RLS disabled");
  });

  it("a unique index on a tenant table that leaves out organization_id", async () => {
    const report = await verifyBroken([
      'CREATE UNIQUE INDEX "documents_document_title_key" ON "documents_document" (title)',
      'CREATE UNIQUE INDEX "documents_document_org_title_key" ON "documents_document" (organization_id, title)',
      'CREATE UNIQUE INDEX "iam_member_user_key" ON "iam_member" (user_id) INCLUDE (organization_id)',
    ]);
    assert.deepStrictEqual(failures(report), {
      documents_document: ["unique-without-organization"],
      iam_member: ["unique-without-organization"],
    });
    assert.deepStrictEqual(messagesOf(report, "documents_document"), [
      'unique index "documents_document_title_key" does not include organization_id: tenants\' rows could collide',
    ]);
  });

  it("declared policies that do not fit the live table (a column they name is missing)", async () => {
    const things = OrgTable.make(EntityId.make("test_things"))({ owner: text("owner") }, (t) => [
      pgPolicy("owner_reads", { as: "permissive", for: "select", using: sql`${t.owner} = current_user` }),
    ]);
    const report = await verifyBroken(
      [
        'CREATE TABLE "test_things" (id text, organization_id text NOT NULL, PRIMARY KEY (organization_id, id))',
        'ALTER TABLE "test_things" ENABLE ROW LEVEL SECURITY',
        'ALTER TABLE "test_things" FORCE ROW LEVEL SECURITY',
      ],
      { declaredTables: [...Registry.tables, ...Registry.codeTables, things] },
    );
    assert.deepStrictEqual(failures(report), { test_things: ["policy-invalid"] });
    assert.deepStrictEqual(messagesOf(report, "test_things"), [
      "the declared policies do not fit the table: column test_things.owner does not exist",
    ]);
  });

  it("an unreachable database is VerifyUnavailable", async () => {
    const error = await Effect.runPromise(Effect.flip(Verify.verify("postgres://nobody:wrong@127.0.0.1:1/none")));
    assert.instanceOf(error, Verify.VerifyUnavailable);
    assert.match(error.message, /^cannot verify: /);
  });
});

describe("Verify.verify: the runtime role and the signed tenant context", () => {
  /** Verify fails on the check `name` alone, with exactly `codes`, and so the report is not ok. */
  const failsOnly = (report: Verify.Report, name: string, codes: ReadonlyArray<string>) => {
    assert.deepStrictEqual(failures(report), { [name]: codes });
    assert.isFalse(report.ok);
    assert.strictEqual(report.subjects.find((subject) => subject.name === name)?.kind, "check");
  };

  it("TEMPORARY on the database: fails in the report, the table and --json", async () => {
    await withBroken(
      (database) => [`GRANT TEMPORARY ON DATABASE "${database.name}" TO beep_app`],
      async (database) => {
        const report = await Effect.runPromise(Verify.verify(database.adminUrl));
        failsOnly(report, checks.createOrTemporary, ["app-temporary"]);
        assert.deepStrictEqual(messagesOf(report, checks.createOrTemporary), [
          `has TEMPORARY on database ${database.name}: its temporary tables outlive the transaction and, named like a tenant table, would capture the next tenant's statements on the connection`,
        ]);
        const text = await cli(["verify"], { DATABASE_URL: database.adminUrl });
        assert.strictEqual(text.code, 1);
        assert.match(
          text.stdout,
          new RegExp(
            `^beep_app: no CREATE or TEMPORARY\\s+check\\s+FAIL\\s+has TEMPORARY on database ${database.name}:`,
            "m",
          ),
        );
        const json = await cli(["verify", "--json"], { DATABASE_URL: database.adminUrl });
        assert.strictEqual(json.code, 1);
        const parsed = JSON.parse(json.stdout) as Verify.Report;
        assert.isFalse(parsed.ok);
        assert.deepStrictEqual(failures(parsed), { [checks.createOrTemporary]: ["app-temporary"] });
      },
    );
  });

  it("CREATE on schema public", async () => {
    const report = await verifyBroken(["GRANT CREATE ON SCHEMA public TO beep_app"]);
    failsOnly(report, checks.createOrTemporary, ["app-create-schema"]);
    assert.deepStrictEqual(messagesOf(report, checks.createOrTemporary), [
      "has CREATE on schema public: it could create functions, operators or tables that other roles' queries resolve to",
    ]);
  });

  it("CREATE on the database, and on another schema through PUBLIC", async () => {
    const report = await verifyBroken((database) => [
      `GRANT CREATE ON DATABASE "${database.name}" TO beep_app`,
      "GRANT CREATE ON SCHEMA beep TO PUBLIC",
    ]);
    failsOnly(report, checks.createOrTemporary, ["app-create-database", "app-create-schema"]);
    const [database, schemas] = messagesOf(report, checks.createOrTemporary);
    assert.match(database ?? "", /^has CREATE on database test_\w+: it could create schemas/);
    assert.match(schemas ?? "", /^has CREATE on schema beep: /);
  });

  it("a setting stored on beep_app for this database", async () => {
    // Roles are cluster-wide: only ever this test's own database, which DROP DATABASE clears the setting with.
    const report = await verifyBroken((database) => [
      `ALTER ROLE beep_app IN DATABASE "${database.name}" SET statement_timeout = '1ms'`,
    ]);
    failsOnly(report, checks.roleSettings, ["app-role-settings"]);
    assert.match(
      messagesOf(report, checks.roleSettings)[0] ?? "",
      /^has persistent setting statement_timeout=1ms \(database test_\w+\): every session of the role starts with them$/,
    );
  });

  it("a SECURITY DEFINER function left executable by PUBLIC (one revoked from PUBLIC is fine)", async () => {
    const body = "RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$";
    const report = await verifyBroken([
      `CREATE FUNCTION public.f() ${body}`,
      `CREATE FUNCTION public.g() ${body}`,
      "REVOKE EXECUTE ON FUNCTION public.g() FROM PUBLIC",
    ]);
    failsOnly(report, checks.definerFunctions, ["app-executes-definer"]);
    assert.deepStrictEqual(messagesOf(report, checks.definerFunctions), [
      "can execute SECURITY DEFINER public.f(): only beep.current_org_id(), beep.current_user_id(), beep.current_role(), beep.current_org_id_for(text[]), beep.current_user_id_for(text[]), beep.assume_role() may run with their owner's rights for it",
    ]);
  });

  it("a check function that is not SECURITY DEFINER, not STABLE, without search_path", async () => {
    const report = await verifyBroken([
      "ALTER FUNCTION beep.current_user_id() VOLATILE SECURITY INVOKER RESET search_path",
    ]);
    failsOnly(report, checks.checkFunctions, [
      "check-function-not-definer",
      "check-function-not-stable",
      "check-function-search-path",
    ]);
    assert.deepStrictEqual(messagesOf(report, checks.checkFunctions), [
      "beep.current_user_id() is not SECURITY DEFINER: it cannot read the context key for the runtime role",
      "beep.current_user_id() is not STABLE",
      "beep.current_user_id() does not pin search_path",
    ]);
  });

  it("a check function renamed away", async () => {
    const report = await verifyBroken(["ALTER FUNCTION beep.current_org_id() RENAME TO current_org_id_old"]);
    const failed = failures(report);
    assert.deepStrictEqual(failed[checks.checkFunctions], ["check-function-missing"]);
    assert.deepStrictEqual(messagesOf(report, checks.checkFunctions), [
      "beep.current_org_id() is missing: the tenant policies call it",
    ]);
    // Still SECURITY DEFINER and executable by beep_app, but no longer a check function.
    assert.deepStrictEqual(messagesOf(report, checks.definerFunctions), [
      "can execute SECURITY DEFINER beep.current_org_id_old(): only beep.current_org_id(), beep.current_user_id(), beep.current_role(), beep.current_org_id_for(text[]), beep.current_user_id_for(text[]), beep.assume_role() may run with their owner's rights for it",
    ]);
    // The declared tenant policies that name the function no longer fit their tables either.
    assert.deepStrictEqual(failed.iam_api_key, ["policy-invalid"]);
    assert.isFalse(report.ok);
  });

  it("no context key installed", async () => {
    const report = await verifyBroken(["DELETE FROM beep_private.context_key"]);
    failsOnly(report, checks.contextKey, ["context-key-missing"]);
    assert.deepStrictEqual(messagesOf(report, checks.contextKey), [
      "no context key is installed (beep_private.context_key is empty): no ticket passes, so tenant queries see nothing; run db:migrate with BEEP_CONTEXT_KEY",
    ]);
  });

  it("USAGE on schema beep_private for beep_app", async () => {
    const report = await verifyBroken(["GRANT USAGE ON SCHEMA beep_private TO beep_app"]);
    failsOnly(report, checks.contextKey, ["context-key-readable"]);
    assert.deepStrictEqual(messagesOf(report, checks.contextKey), [
      "beep_app has USAGE on schema beep_private: with the key it could sign a ticket for any organization",
    ]);
  });

  it("SELECT on one column of the key, and EXECUTE on beep.enter_tenant, for beep_app", async () => {
    const report = await verifyBroken([
      "GRANT SELECT (inner_pad) ON TABLE beep_private.context_key TO beep_app",
      "GRANT EXECUTE ON FUNCTION beep.enter_tenant(text, text, text) TO beep_app",
    ]);
    failsOnly(report, checks.contextKey, ["context-key-readable", "enter-tenant-executable"]);
    assert.deepStrictEqual(messagesOf(report, checks.contextKey), [
      "beep_app has SELECT on beep_private.context_key: with the key it could sign a ticket for any organization",
      "beep_app can execute beep.enter_tenant(text,text,text), which opens any organization's context: only beep_admin may",
    ]);
  });

  it("any overload of beep.enter_tenant beep_app can execute, such as one without a role left behind", async () => {
    const report = await verifyBroken([
      `CREATE FUNCTION beep.enter_tenant(organization_id text, user_id text) RETURNS text LANGUAGE sql
        SET search_path = pg_catalog, pg_temp AS $$ SELECT beep.enter_tenant(organization_id, user_id, NULL) $$`,
    ]);
    // A new function is executable by PUBLIC, and so by beep_app: the one with a role stays beep_admin's.
    failsOnly(report, checks.contextKey, ["enter-tenant-executable"]);
    assert.deepStrictEqual(messagesOf(report, checks.contextKey), [
      "beep_app can execute beep.enter_tenant(text,text), which opens any organization's context: only beep_admin may",
    ]);
  });

  it("beep.current_role() is allowed by what it is, not by its printed name: a look-alike elsewhere is not", async () => {
    const body =
      "RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ SELECT 'owner' $$";
    const report = await verifyBroken([`CREATE FUNCTION public."current_role"() ${body}`]);
    failsOnly(report, checks.definerFunctions, ["app-executes-definer"]);
    assert.deepStrictEqual(messagesOf(report, checks.definerFunctions), [
      `can execute SECURITY DEFINER public."current_role"(): only beep.current_org_id(), beep.current_user_id(), beep.current_role(), beep.current_org_id_for(text[]), beep.current_user_id_for(text[]), beep.assume_role() may run with their owner's rights for it`,
    ]);
  });
});
