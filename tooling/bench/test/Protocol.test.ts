import { layer, MigratedDatabase } from "@beep/db-admin/testing";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import postgres from "postgres";
import * as Queries from "../src/Queries.ts";

/** Whether the session has a protocol-level prepared statement with exactly this text. */
const prepared = async (sql: postgres.Sql, text: string) => {
  const rows = await sql<Array<{ n: number }>>`
    SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = ${text} AND NOT from_sql`;
  return (rows[0]?.n ?? 0) > 0;
};

describe("postgres.js and statements without parameters", () => {
  it.layer(layer)((it) => {
    it.effect(
      "prepare: true alone sends them as simple queries (planned every time); simple: false prepares them",
      () =>
        Effect.gen(function* () {
          const db = yield* MigratedDatabase;
          const seen = yield* Effect.promise(async () => {
            const sql = postgres(db.adminUrl, { max: 1, onnotice: () => {} });
            try {
              const count = Queries.count.rlsOnly;
              const filtered = Queries.count.filtered;
              const args = { organizationId: "none", documentId: "none" };
              // What a driver call with no arguments does, e.g. Drizzle through the tenant runtime.
              await sql.unsafe(count.text, [], { prepare: true });
              const plainCall = await prepared(sql, count.text);
              await Queries.run(sql, filtered, args);
              const withParameter = await prepared(sql, filtered.text);
              await Queries.run(sql, count, args);
              const throughRun = await prepared(sql, count.text);
              return { plainCall, withParameter, throughRun };
            } finally {
              await sql.end();
            }
          });
          assert.isTrue(Queries.isParameterless(Queries.count.rlsOnly));
          assert.isFalse(Queries.isParameterless(Queries.count.filtered));
          assert.deepStrictEqual(seen, { plainCall: false, withParameter: true, throughRun: true });
        }),
    );
  });
});
