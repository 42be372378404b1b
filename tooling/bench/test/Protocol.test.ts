import { layer, MigratedDatabase } from "@beep/db-admin/testing";
import { SharedEntityIds } from "@beep/shared-domain";
import { Db, TenantDb, TenantTx } from "@beep/shared-server";
import { ContextTicket } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import { sql as drizzleSql } from "drizzle-orm";
import { Effect, Layer, ManagedRuntime } from "effect";
import postgres from "postgres";
import { inTenantTransaction } from "../src/internal/tenantTransaction.ts";
import * as Queries from "../src/Queries.ts";
import * as TenantRuntime from "../src/TenantRuntime.ts";

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

/**
 * The named prepared statements of the session, without the query that lists them and postgres.js' own lookup of
 * array types on connect (`pg_catalog.pg_type`), which every connection of a pool makes.
 */
const LIST_PREPARED =
  "select statement from pg_prepared_statements where not from_sql and statement not like '%pg_prepared_statements%' and statement not like '%pg_catalog.pg_type%' order by statement";

/** What the runtime's one connection has prepared after a point read and a newest 50, listed in the same unit. */
const runtimePrepared = (url: string, contextKey: string, args: Queries.Args, poolMode: Db.PoolMode) =>
  Effect.gen(function* () {
    const runtime = yield* Effect.acquireRelease(
      Effect.sync(() =>
        ManagedRuntime.make(
          TenantDb.layerWithKey(contextKey).pipe(Layer.provide(Db.layerFromUrl(url, { poolMax: 1, poolMode }))),
        ),
      ),
      (runtime) => runtime.disposeEffect,
    );
    const values = { organizationId: args.organizationId, documentId: args.documentId };
    const rows = yield* Effect.promise(() =>
      runtime.runPromise(
        TenantDb.withContext({ organizationId: args.organizationId, role: TenantRuntime.ROLE })(
          TenantTx.use(async (db) => {
            await Queries.pointRead.rlsOnly.build(db).execute(values);
            await Queries.newest50.rlsOnly.build(db).execute(values);
            return db.execute<{ statement: string }>(drizzleSql.raw(LIST_PREPARED));
          }),
        ),
      ),
    );
    return Array.from(rows, (row) => row.statement);
  });

describe("the statements each side sends", () => {
  it.layer(layer)((it) => {
    it.effect(
      "withOrg and its plain postgres.js mirror prepare the same prelude and statements; transaction mode prepares none",
      () =>
        Effect.gen(function* () {
          const db = yield* MigratedDatabase;
          const args: Queries.Args = {
            organizationId: SharedEntityIds.OrganizationId.create(),
            documentId: "documents_document__none",
          };
          const direct = yield* runtimePrepared(db.appUrl, db.contextKey, args, "direct");
          const pooled = yield* runtimePrepared(db.appUrl, db.contextKey, args, "transaction");
          const plain = yield* Effect.promise(async () => {
            const sql = postgres(db.appUrl, { max: 1, onnotice: () => {} });
            try {
              const sign = ContextTicket.signer(db.contextKey);
              await inTenantTransaction(sql, sign, args.organizationId, (tx) =>
                Queries.run(tx, Queries.pointRead.rlsOnly, args),
              );
              await inTenantTransaction(sql, sign, args.organizationId, (tx) =>
                Queries.run(tx, Queries.newest50.rlsOnly, args),
              );
              return Array.from(await sql.unsafe<Array<{ statement: string }>>(LIST_PREPARED), (row) => row.statement);
            } finally {
              await sql.end();
            }
          });
          const expected = [TenantDb.PRELUDE_SQL, Queries.newest50.rlsOnly.text, Queries.pointRead.rlsOnly.text].sort();
          assert.deepStrictEqual([...direct].sort(), expected);
          assert.deepStrictEqual([...plain].sort(), expected);
          assert.deepStrictEqual(pooled, []);
        }).pipe(Effect.scoped),
    );
  });
});
