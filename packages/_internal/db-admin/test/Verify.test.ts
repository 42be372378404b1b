import { randomBytes } from "node:crypto";
import { EntityId } from "@beep/shared-domain";
import { OrgTable, TenantPolicy } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { sql } from "drizzle-orm";
import { getTableConfig, pgPolicy, text } from "drizzle-orm/pg-core";
import { Effect } from "effect";
import { AuditEvent, Registry, Verify } from "../src/index.ts";
import * as MigratedDatabase from "../src/testing/MigratedDatabase.ts";
import { query } from "./support.ts";

/** A fresh migrated database, broken by `statements` (run as the owner), then verified. */
const verifyBroken = async (statements: ReadonlyArray<string>, options: Verify.VerifyOptions = {}) => {
  const database = await MigratedDatabase.create();
  try {
    await query(database.adminUrl, async (sql) => {
      for (const statement of statements) await sql.unsafe(statement);
    });
    return await Effect.runPromise(Verify.verify(database.adminUrl, options));
  } finally {
    await database.drop();
  }
};

/** The failing objects with their problem codes: exactly what verify blames. */
const failures = (report: Verify.Report) =>
  Object.fromEntries(
    report.subjects
      .filter((subject) => subject.status === "FAIL")
      .map((subject) => [subject.name, subject.problems.map((problem) => problem.code)]),
  );

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
    // The changed policy no longer bounds the baseline either.
    assert.deepStrictEqual(failures(report), { documents_comment: ["policy-differs", "unbounded-permissive"] });
    const [differs] = messagesOf(report, "documents_comment");
    assert.include(differs, 'policy "tenant_isolation_documents_comment" differs from the schema: USING is');
    assert.include(differs, "declared ((organization_id = beep.current_org_id()))");
  });

  it("a tenant policy whose WITH CHECK was changed", async () => {
    const report = await verifyBroken([
      `ALTER POLICY "tenant_isolation_shared_team" ON "shared_team" WITH CHECK (true)`,
    ]);
    assert.deepStrictEqual(failures(report), { shared_team: ["policy-differs", "unbounded-permissive"] });
    assert.include(messagesOf(report, "shared_team")[0], "WITH CHECK is (true)");
  });

  it("a table without RLS passes only when exempt with a written reason; so does a none-mode OrgTable", async () => {
    const optOut = OrgTable.make(EntityId.make("test_opt_out"), { rlsPolicy: "none" })({ data: text("data") });
    const database = await MigratedDatabase.create();
    try {
      await query(database.adminUrl, async (sql) => {
        await sql`CREATE TABLE "scratch_notes" (id text PRIMARY KEY, body text)`;
        await sql`CREATE TABLE "test_opt_out" (id text, organization_id text NOT NULL, data text,
          PRIMARY KEY (organization_id, id))`;
        await sql`CREATE TABLE "test_unknown" (id text, organization_id text NOT NULL, PRIMARY KEY (organization_id, id))`;
        await sql.unsafe(TenantPolicy.renderSql("test_unknown", "standard"));
      });
      const declaredTables = [...Registry.tables, ...Registry.codeTables, optOut];
      const run = (exemptions: Record<string, string>) =>
        Effect.runPromise(
          Verify.verify(database.adminUrl, { declaredTables, exemptions: { ...Verify.RLS_EXEMPTIONS, ...exemptions } }),
        );
      const unlisted = await run({});
      // test_unknown is not in the schema: a table with organization_id is held to the standard tenant policy.
      assert.deepStrictEqual(failures(unlisted), { scratch_notes: ["rls-disabled"], test_opt_out: ["rls-disabled"] });
      assert.deepStrictEqual(messagesOf(unlisted, "scratch_notes"), [
        "RLS is disabled and the table is not on the exemption list",
      ]);
      const listed = await run({ scratch_notes: "notes are global", test_opt_out: "opted out for the benchmark" });
      assert.deepStrictEqual(failures(listed), {});
      const unexplained = await run({ scratch_notes: " ", test_opt_out: "opted out for the benchmark" });
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
    assert.deepStrictEqual(failures(report), {
      documents_document: ["policy-missing", "policy-undeclared", "unbounded-permissive", "unbounded-permissive"],
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
    assert.deepStrictEqual(failures(report), { iam_api_key: ["policy-differs", "unbounded-permissive"] });
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
      assert.deepStrictEqual(failures(report), {
        [probe]: ["role-superuser", "role-bypassrls", "role-privileged-membership"],
      });
      assert.include(messagesOf(report, probe)[2], "member of beep_admin");
      const missing = await verifyBroken([], { appRole: "no_such_role" });
      assert.deepStrictEqual(failures(missing), { no_such_role: ["role-missing"] });
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
