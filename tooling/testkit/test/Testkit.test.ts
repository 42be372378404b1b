import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import postgres from "postgres";
import { inject } from "vitest";
import { TestDatabase, Testkit } from "../src/index.ts";

describe("Testkit", () => {
  it.layer(Testkit.database)("a fresh database", (it) => {
    it.effect("answers a query on a real PostgreSQL", () =>
      Effect.gen(function* () {
        const db = yield* TestDatabase.TestDatabase;
        const rows = yield* Effect.promise(async () => {
          const sql = postgres(db.url, { max: 1 });
          try {
            return await sql`select current_database() as name, current_setting('server_version_num')::int as version`;
          } finally {
            await sql.end();
          }
        });
        assert.strictEqual(rows[0]?.name, db.name);
        if (inject("beepPgKind") === "embedded") assert.isAtLeast(rows[0]?.version, 180000);
      }),
    );
  });

  it("gives each file a database of its own", async () => {
    const a = await Testkit.createDatabase();
    const b = await Testkit.createDatabase();
    try {
      assert.notStrictEqual(a.name, b.name);
    } finally {
      await a.drop();
      await b.drop();
    }
  });
});
