import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { DrizzleKit, Migrator, Verify } from "../src/index.ts";
import { migrationsUpTo, query } from "./support.ts";

const TAGS = DrizzleKit.journal(DrizzleKit.MIGRATIONS_DIR).map((entry) => entry.tag);

const problemsOf = (report: Verify.Report, name: string) =>
  report.subjects.find((subject) => subject.name === name)?.problems ?? [];

describe("db:verify against the migrations", () => {
  it("an empty database fails, saying no migration ran and naming the tables that are missing", async () => {
    const database = await Testkit.createDatabase("verify_empty");
    try {
      const report = await Effect.runPromise(Verify.verify(database.url));
      assert.isFalse(report.ok);
      assert.deepStrictEqual(
        problemsOf(report, "migrations").map((problem) => problem.message),
        [`no migration has run here (${TAGS.length} pending): run bun run db:migrate`],
      );
      assert.deepStrictEqual(
        problemsOf(report, "documents_document").map((problem) => problem.code),
        ["table-missing"],
      );
    } finally {
      await database.drop();
    }
  });

  it("a partly migrated database fails, naming the first migrations not applied", async () => {
    const database = await Testkit.createDatabase("verify_partial");
    const last = TAGS.at(-3) ?? "";
    const partial = migrationsUpTo(last);
    try {
      await Effect.runPromise(Migrator.migrate({ url: database.url, migrationsDir: partial.dir }));
      const report = await Effect.runPromise(Verify.verify(database.url));
      assert.deepStrictEqual(
        problemsOf(report, "migrations").map((problem) => problem.message),
        [`2 of ${TAGS.length} migrations not applied (${TAGS.slice(-2).join(", ")}): run bun run db:migrate`],
      );
      // Checked against what it was migrated with, the same database is in order on this count.
      const then = await Effect.runPromise(Verify.verify(database.url, { migrationsDir: partial.dir }));
      assert.deepStrictEqual(problemsOf(then, "migrations"), []);
      // A migration edited after it ran is no longer the one the journal holds.
      await query(database.url, (sql) => sql`update drizzle.__drizzle_migrations set hash = 'edited' where id = 1`);
      const edited = await Effect.runPromise(Verify.verify(database.url, { migrationsDir: partial.dir }));
      assert.deepStrictEqual(
        problemsOf(edited, "migrations").map((problem) => problem.code),
        ["migrations-missing", "migrations-unknown"],
      );
    } finally {
      partial.remove();
      await database.drop();
    }
  });
});
