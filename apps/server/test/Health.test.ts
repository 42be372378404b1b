import { TenantDb, TenantTx } from "@beep/shared-server";
import { assert, describe, it } from "@effect/vitest";
import { sql } from "drizzle-orm";
import { Effect, Fiber, Option, TestServices } from "effect";
import { adminQuery, callWithHeaders, signup, timedCall } from "./support/Client.ts";
import { layerWith } from "./support/TestServer.ts";

const sleepingUnits = adminQuery<{ n: number }>(
  "select count(*)::int as n from pg_stat_activity where state = 'active' and query like '%pg_sleep%' and datname = current_database() and usename <> session_user",
).pipe(Effect.map((rows) => rows[0]?.n ?? 0));

describe("GET /health", () => {
  // DB_POOL_MAX=2: two units of work take every runtime connection.
  it.layer(layerWith({ poolMax: 2 }))((it) => {
    it.effect("answers 200 within a second while every runtime pool connection is busy", () =>
      TestServices.provideLive(
        Effect.gen(function* () {
          const a = yield* signup("Busy");
          const hold = TenantDb.withOrg(a.organizationId)(TenantTx.use((db) => db.execute(sql`select pg_sleep(2)`)));
          const holders = yield* Effect.fork(Effect.all([hold, hold], { concurrency: 2 }));
          while ((yield* sleepingUnits) < 2) yield* Effect.sleep("20 millis");

          // A tenant request now waits for a runtime connection; /health does not.
          const queued = yield* Effect.fork(callWithHeaders("GET", "/v1/documents", { token: a.token }));
          const health = yield* timedCall("GET", "/health");
          assert.deepStrictEqual([health.status, health.body], [200, { status: "ok", database: "ok" }]);
          assert.isBelow(health.ms, 1000);
          assert.isTrue(
            Option.isNone(yield* Fiber.poll(queued)),
            "the tenant request was still queued behind the busy pool",
          );

          yield* Fiber.join(holders);
          assert.strictEqual((yield* Fiber.join(queued)).status, 200);
        }),
      ),
    );
  });
});
