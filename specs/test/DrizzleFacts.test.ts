// Pins the drizzle-orm / drizzle-kit behaviour that specs/orgtable-auto-rls/outputs/drizzle-api-analysis.md
// describes. When an upgrade breaks one of these, re-read the analysis and the factory before changing anything.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { assert, describe, it } from "@effect/vitest";
import { is, SQL, sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { foreignKey, getTableConfig, PgPolicy, pgPolicy, pgRole, pgTable, text, unique } from "drizzle-orm/pg-core";

const require = createRequire(import.meta.url);
const kitSource = readFileSync(join(dirname(require.resolve("drizzle-kit")), "bin.cjs"), "utf8");
const dialectSource = readFileSync(join(dirname(require.resolve("drizzle-orm/pg-core")), "dialect.js"), "utf8");

describe("drizzle-orm 0.45", () => {
  it("pgPolicy keeps what it is given and leaves as/for unset otherwise", () => {
    const bare = pgPolicy("p");
    assert.isTrue(is(bare, PgPolicy));
    assert.isUndefined(bare.as);
    assert.isUndefined(bare.for);
    const full = pgPolicy("q", { as: "restrictive", for: "update", to: "public", using: sql`true` });
    assert.deepStrictEqual([full.as, full.for, full.to], ["restrictive", "update", "public"]);
  });

  it("enableRLS sets a flag that getTableConfig reports; policies alone do not set it", () => {
    const withPolicy = pgTable("fact_policy_only", { id: text("id") }, () => [pgPolicy("p", { using: sql`true` })]);
    assert.isFalse(getTableConfig(withPolicy).enableRLS);
    const enabled = pgTable("fact_enabled", { id: text("id") });
    assert.strictEqual(enabled.enableRLS(), enabled);
    assert.isTrue(getTableConfig(enabled).enableRLS);
  });

  it("extraConfig is lazy, and runs again on every getTableConfig call", () => {
    let calls = 0;
    const table = pgTable("fact_lazy", { id: text("id"), slug: text("slug") }, (t) => {
      calls++;
      return [unique("fact_lazy_slug").on(t.slug)];
    });
    assert.strictEqual(calls, 0);
    getTableConfig(table);
    getTableConfig(table);
    assert.strictEqual(calls, 2);
  });

  it("inline primary and unique constraints stay on the columns", () => {
    const config = getTableConfig(
      pgTable("fact_inline", { id: text("id").primaryKey(), email: text("email").unique() }),
    );
    assert.lengthOf(config.primaryKeys, 0);
    assert.lengthOf(config.uniqueConstraints, 0);
    assert.isTrue(config.columns.find((c) => c.name === "id")?.primary);
    assert.isTrue(config.columns.find((c) => c.name === "email")?.isUnique);
  });

  it("foreignKey: composite columns, foreign table from the first foreign column, no action by default", () => {
    const target = pgTable("fact_target", { org: text("org"), id: text("id") });
    const source = pgTable("fact_source", { org: text("org"), targetId: text("target_id") }, (t) => [
      foreignKey({ name: "fact_fk", columns: [t.org, t.targetId], foreignColumns: [target.org, target.id] }),
    ]);
    const fk = getTableConfig(source).foreignKeys[0];
    assert.strictEqual(fk?.onDelete, "no action");
    assert.strictEqual(fk?.reference().foreignTable, target);
    assert.deepStrictEqual(
      fk?.reference().columns.map((c) => c.name),
      ["org", "target_id"],
    );
  });

  it("unique().nullsNotDistinct() is carried by the constraint", () => {
    const table = pgTable("fact_nulls", { org: text("org"), id: text("id") }, (t) => [
      unique("fact_nulls_key").on(t.org, t.id).nullsNotDistinct(),
    ]);
    assert.isTrue(getTableConfig(table).uniqueConstraints[0]?.nullsNotDistinct);
  });

  it(".default(sql) is a SQL default; $defaultFn is application-side only", () => {
    const config = getTableConfig(
      pgTable("fact_defaults", { id: text("id").$defaultFn(() => "x"), org: text("org").default(sql`now()`) }),
    );
    const id = config.columns.find((c) => c.name === "id");
    assert.isUndefined(id?.default);
    assert.strictEqual(id?.defaultFn?.(), "x");
    assert.isTrue(is(config.columns.find((c) => c.name === "org")?.default, SQL));
  });

  it("pgRole(...).existing() marks a role drizzle-kit must not create", () => {
    assert.isTrue((pgRole("beep_app").existing() as unknown as { _existing: boolean })._existing);
  });

  it("the migrator splits on statement breakpoints and applies entries newer than the last applied one", () => {
    const dir = mkdtempSync(join(tmpdir(), "beep-fact-migrations-"));
    try {
      mkdirSync(join(dir, "meta"));
      writeFileSync(
        join(dir, "meta", "_journal.json"),
        JSON.stringify({ entries: [{ idx: 0, when: 1, tag: "0000_a", breakpoints: true }] }),
      );
      writeFileSync(join(dir, "0000_a.sql"), "select 1;--> statement-breakpoint\nselect 2;");
      const [migration] = readMigrationFiles({ migrationsFolder: dir });
      assert.deepStrictEqual(migration?.sql, ["select 1;", "\nselect 2;"]);
      assert.strictEqual(migration?.folderMillis, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.include(dialectSource, "Number(lastDbMigration.created_at) < migration.folderMillis");
    assert.include(dialectSource, "await session.transaction(async (tx) => {");
  });
});

describe("drizzle-kit 0.31", () => {
  it("never emits FORCE ROW LEVEL SECURITY, grants or partitioning", () => {
    assert.include(kitSource, "ENABLE ROW LEVEL SECURITY;");
    assert.notInclude(kitSource, "FORCE ROW LEVEL SECURITY");
    assert.notInclude(kitSource, "GRANT ");
    assert.notInclude(kitSource, "PARTITION BY");
  });

  it("enables RLS for a new table with policies, and creates roles without IF NOT EXISTS", () => {
    assert.include(kitSource, "...policies && policies.length > 0 || isRLSEnabled ? [enableRls] : []");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is drizzle-kit's source text, not a template
    assert.include(kitSource, 'return `CREATE ROLE "${statement.name}"');
    assert.notInclude(kitSource, "CREATE ROLE IF NOT EXISTS");
  });

  it("push compares policies without their expressions; generate compares them", () => {
    const body = (name: string) => {
      const start = kitSource.indexOf(`${name}: (policy5) => {`);
      return kitSource.slice(start, kitSource.indexOf("},", start));
    };
    assert.notInclude(body("squashPolicyPush"), "using");
    assert.include(body("squashPolicy"), "policy5.using");
    assert.include(body("squashPolicy"), "policy5.withCheck");
  });

  it("generate --custom prepares an empty migration with a journal entry", () => {
    assert.include(kitSource, 'custom: boolean().desc("Prepare empty migration file for custom SQL")');
    assert.include(kitSource, "-- Custom SQL migration file, put your code below! --");
  });
});
