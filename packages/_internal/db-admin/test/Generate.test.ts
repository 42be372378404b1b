import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SharedEntityIds } from "@beep/shared-domain";
import { TableShape } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Option, Redacted } from "effect";
import { ContextKey, DrizzleKit, Generate, Migrator, Registry, Verify } from "../src/index.ts";
import { loginFor } from "../src/testing/MigratedDatabase.ts";
import { optOut } from "./fixtures/optOutSchema.ts";
import { asTenant, contents, copyMigrations, query } from "./support.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/widgetSchema.ts", import.meta.url));
const GRANTS_FIXTURE = fileURLToPath(new URL("./fixtures/widgetGrantsSchema.ts", import.meta.url));
const OPT_OUT_FIXTURE = fileURLToPath(new URL("./fixtures/optOutSchema.ts", import.meta.url));

describe("drizzle-kit generate", () => {
  it("finds the one table a person's role comes from (iam_member), and refuses two", () => {
    assert.deepStrictEqual(Registry.roleSourceOf(Registry.tenantTables), {
      table: "iam_member",
      userColumn: "user_id",
      roleColumn: "role",
    });
    const [source] = Registry.tenantTables.filter(({ metadata }) => metadata.roleSource !== undefined);
    assert.isDefined(source);
    const twice = source === undefined ? [] : [source, { metadata: { ...source.metadata, tableName: "other_roster" } }];
    assert.throws(
      () => Registry.roleSourceOf(twice),
      /only one table may declare roleColumn .*iam_member, other_roster/,
    );
    assert.isUndefined(Registry.roleSourceOf([]));
  });

  it("emits RLS and every tenant policy for every tenant table", async () => {
    const out = mkdtempSync(join(tmpdir(), "beep-generate-"));
    try {
      await DrizzleKit.generateInto(out);
      const file = readdirSync(out).find((name) => name.endsWith(".sql"));
      assert.isDefined(file);
      const generated = readFileSync(join(out, file ?? ""), "utf8");
      assert.isAtLeast(Registry.tenantTables.length, 13);
      for (const { table } of Registry.tenantTables) {
        const shape = TableShape.of(table);
        const enable = `ALTER TABLE "${shape.name}" ENABLE ROW LEVEL SECURITY;`;
        if (shape.rlsPolicy === "none") {
          assert.notInclude(generated, enable);
          continue;
        }
        assert.include(generated, enable);
        // The tenant policies of its mode (restrictive), and every permissive one: the baseline, or its grants.
        const isolation = TableShape.expectedTenantPolicies(shape.name, shape.rlsPolicy as "standard").filter(
          (policy) => policy.includes(" restrictive "),
        );
        for (const policy of isolation) assert.include(shape.policies, policy);
        assert.isTrue(
          shape.policies.some((policy) => policy.includes(" permissive ")),
          `${shape.name} has a permissive policy`,
        );
        for (const policy of shape.policies) {
          const [name, as, command] = policy.split(" ");
          assert.include(
            generated,
            `CREATE POLICY "${name}" ON "${shape.name}" AS ${as?.toUpperCase()} FOR ${command?.toUpperCase()} TO public`,
          );
        }
        assert.match(
          generated,
          new RegExp(
            `CREATE POLICY "tenant_isolation_${shape.name}" [^;]* USING \\([^;]*beep\\.current_org_id(_for)?\\(`,
          ),
        );
      }
      // The partitioned audit trail is not drizzle-kit's to create.
      assert.notInclude(generated, "shared_audit_event");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("Generate.generate", () => {
  it("writes nothing for the committed migrations: the schema has no change without a migration", async () => {
    const scratch = copyMigrations();
    try {
      const before = contents(scratch.dir);
      const result = await Effect.runPromise(Generate.generate({ migrationsDir: scratch.dir }));
      assert.deepStrictEqual(result.written, []);
      assert.deepStrictEqual(contents(scratch.dir), before);
    } finally {
      scratch.remove();
    }
  });

  it("a new tenant table gets migrations that enable, force, grant and isolate it, with no hand step", async () => {
    const scratch = copyMigrations();
    const database = await Testkit.createDatabase();
    let dropLogin = async () => {};
    try {
      const committed = DrizzleKit.journal(scratch.dir).length;
      const { written } = await Effect.runPromise(
        Generate.generate({ migrationsDir: scratch.dir, extraSchemas: [FIXTURE] }),
      );
      const number = (offset: number) => String(committed + offset).padStart(4, "0");
      assert.deepStrictEqual(written, [`${number(0)}_schema`, `${number(1)}_enforce_rls`]);
      const schemaSql = readFileSync(join(scratch.dir, `${written[0]}.sql`), "utf8");
      assert.include(schemaSql, 'CREATE TABLE "test_widget"');
      assert.include(schemaSql, 'ALTER TABLE "test_widget" ENABLE ROW LEVEL SECURITY;');
      assert.include(schemaSql, 'CREATE POLICY "tenant_isolation_test_widget" ON "test_widget" AS RESTRICTIVE');
      const enforceSql = readFileSync(join(scratch.dir, `${written[1]}.sql`), "utf8");
      const statements = enforceSql
        .split("--> statement-breakpoint")
        .map((statement) => statement.replace(/^--.*$/gm, "").trim());
      // Only the new table: the roles and every other table are enforced by earlier migrations.
      assert.deepStrictEqual(statements, [
        'ALTER TABLE "test_widget" FORCE ROW LEVEL SECURITY;',
        'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "test_widget" TO "beep_app";',
        'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "test_widget" TO "beep_admin";',
      ]);

      // Applied as written, the new table isolates tenants for beep_app.
      await Effect.runPromise(Migrator.migrate({ url: database.url, migrationsDir: scratch.dir }));
      const key = ContextKey.generate();
      await Effect.runPromise(ContextKey.install(database.url, Option.some(Redacted.make(key))));
      const login = await loginFor(database);
      dropLogin = login.drop;
      const appUrl = login.url;
      const [orgA, orgB] = [SharedEntityIds.OrganizationId.create(), SharedEntityIds.OrganizationId.create()];
      const seen = await query(appUrl, async (sql) => {
        for (const org of [orgA, orgB]) {
          await asTenant(sql, key, org, async (tx) => {
            await tx`insert into shared_organization (id, name) values (${org}, 'org')`;
            await tx`insert into test_widget (id, label) values (${`test_widget__${org.slice(-36)}`}, 'w')`;
          });
        }
        return asTenant(sql, key, orgA, (tx) => tx`select organization_id from test_widget`);
      });
      assert.deepStrictEqual(
        seen.map((row) => row.organization_id),
        [orgA],
      );

      const again = await Effect.runPromise(Generate.generate({ migrationsDir: scratch.dir, extraSchemas: [FIXTURE] }));
      assert.deepStrictEqual(again.written, []);
    } finally {
      scratch.remove();
      await database.drop();
      await dropLogin();
    }
  });

  it("a table's first grants generate without a terminal: every policy drizzle-kit asks about is created, never renamed", async () => {
    const scratch = copyMigrations();
    try {
      await Effect.runPromise(Generate.generate({ migrationsDir: scratch.dir, extraSchemas: [FIXTURE] }));
      // The test runner has no terminal to answer drizzle-kit's "created or renamed?" question with.
      assert.isFalse(process.stdin.isTTY === true && process.stdout.isTTY === true);
      const { written, answered } = await Effect.runPromise(
        Generate.generate({ migrationsDir: scratch.dir, extraSchemas: [GRANTS_FIXTURE] }),
      );
      assert.lengthOf(written, 1);
      const statements = readFileSync(join(scratch.dir, `${written[0]}.sql`), "utf8")
        .split("--> statement-breakpoint")
        .map((statement) => statement.trim());
      assert.include(statements, 'DROP POLICY "tenant_baseline_test_widget" ON "test_widget" CASCADE;');
      const created = statements.filter((statement) => statement.startsWith("CREATE POLICY"));
      const names = created.map((statement) => /^CREATE POLICY "([^"]+)"/.exec(statement)?.[1]);
      assert.sameMembers(names, ["select_member_test_widget", "all_admin_test_widget"]);
      assert.isFalse(
        statements.some((statement) => /\bRENAME\b/.test(statement)),
        "nothing renamed",
      );
      // drizzle-kit asked about each new policy, the baseline being the one gone; each answered "create".
      assert.sameMembers([...answered], names);
    } finally {
      scratch.remove();
    }
  });

  it("a none table declared with a reason: no RLS, no grant for beep_app, and db:verify passes it from its definition", async () => {
    const scratch = copyMigrations();
    const database = await Testkit.createDatabase();
    let dropLogin = async () => {};
    try {
      const { written } = await Effect.runPromise(
        Generate.generate({ migrationsDir: scratch.dir, extraSchemas: [OPT_OUT_FIXTURE] }),
      );
      assert.lengthOf(written, 2);
      const schemaSql = readFileSync(join(scratch.dir, `${written[0]}.sql`), "utf8");
      assert.include(schemaSql, 'CREATE TABLE "test_opt_out"');
      assert.notInclude(schemaSql, 'ALTER TABLE "test_opt_out" ENABLE ROW LEVEL SECURITY;');
      const statements = readFileSync(join(scratch.dir, `${written[1]}.sql`), "utf8")
        .split("--> statement-breakpoint")
        .map((statement) => statement.replace(/^--.*$/gm, "").trim());
      assert.deepStrictEqual(statements, [
        'REVOKE ALL ON TABLE "test_opt_out" FROM "beep_app";',
        'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "test_opt_out" TO "beep_admin";',
      ]);

      await Effect.runPromise(Migrator.migrate({ url: database.url, migrationsDir: scratch.dir }));
      await Effect.runPromise(ContextKey.install(database.url, Option.some(Redacted.make(ContextKey.generate()))));
      const login = await loginFor(database);
      dropLogin = login.drop;
      const refused = await query(login.url, (sql) => sql`select data from test_opt_out`.then(() => "read")).catch(
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      assert.strictEqual(refused, "permission denied for table test_opt_out");

      const schema = [...Registry.tables, ...Registry.codeTables];
      const failing = (report: Verify.Report) =>
        report.subjects.filter((subject) => subject.status === "FAIL").map((subject) => subject.name);
      const declared = await Effect.runPromise(
        Verify.verify(database.url, { declaredTables: [...schema, optOut], migrationsDir: scratch.dir }),
      );
      assert.deepStrictEqual(failing(declared), []);
      const undeclared = await Effect.runPromise(
        Verify.verify(database.url, { declaredTables: schema, migrationsDir: scratch.dir }),
      );
      assert.deepStrictEqual(failing(undeclared), ["test_opt_out"]);
    } finally {
      scratch.remove();
      await database.drop();
      await dropLogin();
    }
  });
});
