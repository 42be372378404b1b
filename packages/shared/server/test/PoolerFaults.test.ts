// Faults behind a transaction pooler: a statement past its timeout, and the pooler itself going away and coming
// back. Each unit of work fails quickly with a typed error, and the next one succeeds without a restart.

import { layer as migratedLayer } from "@beep/db-admin/testing";
import { document } from "@beep/documents-tables/schema";
import { PgBouncer, Testkit } from "@beep/testkit";
import { assert, it } from "@effect/vitest";
import { sql } from "drizzle-orm";
import { Effect, Layer, Schedule } from "effect";
import * as Db from "../src/Db.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { MigratedDatabase } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";

const owner = (tag: string) => ({ email: `${tag}@pooler.example`, name: tag });

/** A bouncer of this test's own (so it can stop it), and the runtime through it in transaction mode. */
const throughOwnBouncer = (port?: number) =>
  Effect.gen(function* () {
    const { appUrl, contextKey } = yield* MigratedDatabase;
    const bouncer = yield* Effect.acquireRelease(
      Effect.promise(() => PgBouncer.start({ upstreamAdminUrl: Testkit.adminUrl(), port })),
      (b) => Effect.promise(() => b.stop()),
    );
    const runtime = yield* Layer.build(
      TenantDb.layerWithKey(contextKey).pipe(
        Layer.provideMerge(
          Db.layerFromUrl(bouncer.urlFor(appUrl), {
            poolMode: "transaction",
            poolMax: 4,
            statementTimeoutMs: 300,
            connectTimeoutSeconds: 2,
            acquireTimeoutMs: 3_000,
          }),
        ),
      ),
    );
    return { bouncer, runtime };
  });

Testkit.describeWithPgBouncer("faults through PgBouncer in transaction mode", () => {
  it.layer(migratedLayer)((it) => {
    it.effect("a statement past its timeout is QueryTimeout, and the next unit of work runs", () =>
      Effect.gen(function* () {
        const { runtime } = yield* throughOwnBouncer();
        const { organizationId } = yield* Organizations.create({ name: "Slow", owner: owner("slow") }).pipe(
          Effect.provide(runtime),
        );
        const started = performance.now();
        const error = yield* Effect.flip(
          TenantDb.withOrg(organizationId)(TenantTx.use((db) => db.execute(sql`select pg_sleep(5)`))).pipe(
            Effect.provide(runtime),
          ),
        );
        assert.strictEqual(error._tag, "QueryTimeout");
        assert.isBelow(performance.now() - started, 2_000);
        const [row] = yield* TenantDb.withOrg(organizationId)(
          TenantTx.use((db) => db.insert(document).values({ title: "after" }).returning()),
        ).pipe(Effect.provide(runtime));
        assert.strictEqual(row?.organizationId, organizationId);
      }).pipe(Effect.scoped),
    );

    it.effect("PgBouncer stopped: DatabaseUnavailable within seconds; started again: units of work succeed", () =>
      Effect.gen(function* () {
        const first = yield* throughOwnBouncer();
        const unit = (organizationId: string, title: string) =>
          TenantDb.withOrg(organizationId)(
            TenantTx.use((db) => db.insert(document).values({ title }).returning()),
          ).pipe(Effect.provide(first.runtime));
        const { organizationId } = yield* Organizations.create({ name: "Bounce", owner: owner("bounce") }).pipe(
          Effect.provide(first.runtime),
        );
        yield* unit(organizationId, "before");
        yield* Effect.promise(() => first.bouncer.stop());
        const started = performance.now();
        const down = yield* Effect.flip(unit(organizationId, "while-down"));
        assert.strictEqual(down._tag, "DatabaseUnavailable", down.message);
        assert.isBelow(performance.now() - started, 12_000);

        // Where the clients expect it: the same port.
        yield* Effect.acquireRelease(
          Effect.promise(() => PgBouncer.start({ upstreamAdminUrl: Testkit.adminUrl(), port: first.bouncer.port })),
          (b) => Effect.promise(() => b.stop()),
        );
        const [row] = yield* unit(organizationId, "after").pipe(
          Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 10 }),
        );
        assert.strictEqual(row?.organizationId, organizationId);
        const titles = yield* TenantDb.withOrg(organizationId)(
          TenantTx.use((db) => db.select({ title: document.title }).from(document)),
        ).pipe(Effect.provide(first.runtime));
        assert.sameMembers(
          titles.map((t) => t.title),
          ["before", "after"],
        );
      }).pipe(Effect.scoped),
    );
  });
});
