import { Testkit } from "@beep/testkit";
import { afterAll, assert, describe, it } from "@effect/vitest";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { Effect, Exit } from "effect";
import { DrizzleKit, MigrationErrors, Migrator, Roles } from "../src/index.ts";
import { loginFor } from "../src/testing/MigratedDatabase.ts";
import { appendMigration, copyMigrations, query } from "./support.ts";

const databases: Array<{ drop: () => Promise<void> }> = [];
const freshDatabase = async () => {
  const database = await Testkit.createDatabase();
  databases.push(database);
  return database;
};
const logins: Array<{ drop: () => Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
  await Promise.all(logins.map((login) => login.drop()));
});

const TAGS = DrizzleKit.journal(DrizzleKit.MIGRATIONS_DIR).map((entry) => entry.tag);

const bookkeeping = (url: string) =>
  query(url, async (sql) => {
    const [table] = await sql`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`;
    if (table?.exists !== true) return [];
    return sql`select hash, created_at from drizzle.__drizzle_migrations order by id`;
  });

/** Everything a migration could leave behind, outside the system schemas. */
const fingerprint = (url: string) =>
  query(url, async (sql) => {
    const relations = await sql`select n.nspname || '.' || c.relname as name from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
      order by 1`;
    const schemas = await sql`select nspname from pg_namespace where nspname not like 'pg_%'
      and nspname <> 'information_schema' order by 1`;
    const functions = await sql`select proname from pg_proc where pronamespace = 'public'::regnamespace order by 1`;
    return {
      relations: relations.map((row) => row.name),
      schemas: schemas.map((row) => row.nspname),
      functions: functions.map((row) => row.proname),
    };
  });

describe("Migrator.migrate", () => {
  it("applies every migration once, then nothing: a re-run is a no-op", async () => {
    const database = await freshDatabase();
    const applied: Array<string> = [];
    const first = await Effect.runPromise(
      Migrator.migrate({ url: database.url, onApplied: (tag) => applied.push(tag) }),
    );
    assert.deepStrictEqual(first, { applied: TAGS, alreadyApplied: 0 });
    assert.deepStrictEqual(applied, TAGS);
    const second = await Effect.runPromise(Migrator.migrate({ url: database.url }));
    assert.deepStrictEqual(second, { applied: [], alreadyApplied: TAGS.length });
    assert.lengthOf(await bookkeeping(database.url), TAGS.length);
  });

  it("pendingStatements: every statement before the first run, the roles' among them; none after it", async () => {
    const database = await freshDatabase();
    const before = await Effect.runPromise(Migrator.pendingStatements(database.url));
    const all = readMigrationFiles({ migrationsFolder: DrizzleKit.MIGRATIONS_DIR }).flatMap((m) => m.sql);
    assert.deepStrictEqual(before, all);
    assert.isTrue(before.some(Roles.isRoleStatement));
    await Effect.runPromise(Migrator.migrate({ url: database.url }));
    assert.deepStrictEqual(await Effect.runPromise(Migrator.pendingStatements(database.url)), []);
  });

  it("two runs at once on a fresh database both succeed and apply each migration exactly once", async () => {
    const database = await freshDatabase();
    const [a, b] = await Promise.all([
      Effect.runPromise(Migrator.migrate({ url: database.url })),
      Effect.runPromise(Migrator.migrate({ url: database.url })),
    ]);
    assert.sameMembers([a?.applied.length, b?.applied.length], [TAGS.length, 0]);
    const rows = await bookkeeping(database.url);
    assert.lengthOf(rows, TAGS.length);
    assert.lengthOf(new Set(rows.map((row) => String(row.created_at))), TAGS.length);
  });

  it("a failing migration leaves the database exactly as it was and names the migration", async () => {
    const scratch = copyMigrations();
    try {
      const bad = appendMigration(
        scratch.dir,
        "bad",
        'CREATE TABLE "scratch_created_first" (id text);\n--> statement-breakpoint\nSELECT * FROM "no_such_table";\n',
      );
      const database = await freshDatabase();
      const before = await fingerprint(database.url);
      const exit = await Effect.runPromiseExit(Migrator.migrate({ url: database.url, migrationsDir: scratch.dir }));
      assert.isTrue(Exit.isFailure(exit));
      const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined;
      assert.instanceOf(error, MigrationErrors.MigrationFailed);
      assert.strictEqual(error?.migration, bad);
      assert.include(error?.message ?? "", 'relation "no_such_table" does not exist');
      assert.include(error?.message ?? "", bad);
      // Nothing of the earlier, good migrations stayed either: one transaction for the whole run.
      assert.deepStrictEqual(await fingerprint(database.url), before);
      assert.deepStrictEqual(before.relations, []);
      assert.deepStrictEqual(await bookkeeping(database.url), []);
    } finally {
      scratch.remove();
    }
  });

  it("migrates a second database of the same cluster, where the roles already exist", async () => {
    const first = await freshDatabase();
    const second = await freshDatabase();
    await Effect.runPromise(Migrator.migrate({ url: first.url }));
    const result = await Effect.runPromise(Migrator.migrate({ url: second.url }));
    assert.deepStrictEqual(result.applied, TAGS);
    const login = await loginFor(second);
    logins.push(login);
    const grants = await query(
      login.url,
      (sql) => sql`select has_table_privilege('documents_document', 'INSERT') as can_insert, current_user as name`,
    );
    assert.deepStrictEqual({ ...grants[0] }, { can_insert: true, name: "beep_app" });
  });

  it("migrates several databases of one cluster at once (role creation and repair never collide)", async () => {
    const fresh = await Promise.all([1, 2, 3].map(() => freshDatabase()));
    const results = await Promise.all(
      fresh.map((database) => Effect.runPromise(Migrator.migrate({ url: database.url }))),
    );
    assert.deepStrictEqual(
      results.map((result) => result.applied.length),
      [TAGS.length, TAGS.length, TAGS.length],
    );
  });

  it("an unreachable database is MigrationUnavailable", async () => {
    const exit = await Effect.runPromiseExit(
      Migrator.migrate({ url: "postgres://nobody:wrong@127.0.0.1:1/none?connect_timeout=2" }),
    );
    const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined;
    assert.instanceOf(error, MigrationErrors.MigrationUnavailable);
    assert.match(error?.message ?? "", /^cannot migrate: /);
  });
});
