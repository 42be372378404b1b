// Faults behind a transaction pooler: a statement past its timeout, and the pooler itself going away and coming
// back. Each unit of work fails quickly with a typed error, and the next one succeeds without a restart.

import { layer as migratedLayer } from "@beep/db-admin/testing";
import { document } from "@beep/documents-tables/schema";
import { PgBouncer, Testkit } from "@beep/testkit";
import { assert, it } from "@effect/vitest";
import { sql } from "drizzle-orm";
import { Duration, Effect, Either, Layer, Schedule } from "effect";
import postgres from "postgres";
import * as Db from "../src/Db.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { MigratedDatabase } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import * as OwnServer from "./internal/OwnServer.ts";
import { asOwner } from "./internal/Tenant.ts";
import * as Units from "./internal/Units.ts";

const owner = (tag: string) => ({ email: `${tag}@pooler.example`, name: tag });

/**
 * A bouncer of this test's own in front of `upstreamAdminUrl` (so the test can stop it), and the runtime through
 * it in transaction mode, failing fast: short connect and acquire deadlines.
 */
const throughBouncer = (
  target: { readonly upstreamAdminUrl: string; readonly appUrl: string; readonly contextKey: string },
  settings: { readonly poolMax: number; readonly statementTimeoutMs: number },
  port?: number,
) =>
  Effect.gen(function* () {
    const bouncer = yield* Effect.acquireRelease(
      Effect.promise(() => PgBouncer.start({ upstreamAdminUrl: target.upstreamAdminUrl, port })),
      (b) => Effect.promise(() => b.stop()),
    );
    const runtime = yield* Layer.build(
      TenantDb.layerWithKey(target.contextKey).pipe(
        Layer.provideMerge(
          Db.layerFromUrl(bouncer.urlFor(target.appUrl), {
            poolMode: "transaction",
            connectTimeoutSeconds: 2,
            acquireTimeoutMs: 3_000,
            ...settings,
          }),
        ),
      ),
    );
    return { bouncer, runtime };
  });

/** The file's migrated database through a bouncer of its own. */
const throughOwnBouncer = (port?: number) =>
  Effect.flatMap(MigratedDatabase, ({ appUrl, contextKey }) =>
    throughBouncer(
      { upstreamAdminUrl: Testkit.adminUrl(), appUrl, contextKey },
      { poolMax: 4, statementTimeoutMs: 300 },
      port,
    ),
  );

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
          asOwner(organizationId)(TenantTx.use((db) => db.execute(sql`select pg_sleep(5)`))).pipe(
            Effect.provide(runtime),
          ),
        );
        assert.strictEqual(error._tag, "QueryTimeout");
        assert.isBelow(performance.now() - started, 2_000);
        const [row] = yield* asOwner(organizationId)(
          TenantTx.use((db) => db.insert(document).values({ title: "after" }).returning()),
        ).pipe(Effect.provide(runtime));
        assert.strictEqual(row?.organizationId, organizationId);
      }).pipe(Effect.scoped),
    );

    it.effect("PgBouncer stopped: DatabaseUnavailable within seconds; started again: units of work succeed", () =>
      Effect.gen(function* () {
        const first = yield* throughOwnBouncer();
        const unit = (organizationId: string, title: string) =>
          asOwner(organizationId)(TenantTx.use((db) => db.insert(document).values({ title }).returning())).pipe(
            Effect.provide(first.runtime),
          );
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
        const titles = yield* asOwner(organizationId)(
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

Testkit.describeWithPgBouncer("PostgreSQL stopped mid-load behind PgBouncer", () => {
  it.live(
    "units fail fast with typed errors, none is half-written, and after a restart they succeed",
    () =>
      Effect.gen(function* () {
        const own = yield* OwnServer.start("pooler_restart");
        const { runtime } = yield* throughBouncer(
          { upstreamAdminUrl: own.adminUrl, appUrl: own.appUrl, contextKey: own.contextKey },
          { poolMax: 8, statementTimeoutMs: 2_000 },
        );
        const { organizationId } = yield* Organizations.create({ name: "Load", owner: owner("load") }).pipe(
          Effect.provide(runtime),
        );
        // Two rows per unit of work, in one transaction: a document and its discussion.
        const unit = (i: number) =>
          asOwner(organizationId)(Units.documentWithDiscussion(i)).pipe(
            Effect.provide(runtime),
            Effect.either,
            Effect.timed,
          );

        let stopped = false;
        const load = Effect.forEach(
          Array.from({ length: 120 }, (_, i) => i),
          (i) =>
            Effect.gen(function* () {
              if (i === 40 && !stopped) {
                stopped = true;
                yield* own.stop;
              }
              return yield* unit(i);
            }),
          { concurrency: 10 },
        );
        const outcomes = yield* load;
        const failures = outcomes
          .map(([, outcome]) => outcome)
          .filter(Either.isLeft)
          .map((outcome) => outcome.left);
        assert.isAbove(failures.length, 0, "the database went away mid-load");
        const tags = new Set(failures.map((error) => error._tag));
        for (const tag of tags) assert.include(["DatabaseUnavailable", "QueryFailed", "QueryTimeout"], tag);
        // No unit hung: each ended within its deadlines (acquire 3 s, statement 2 s, connect 2 s), whatever its fate.
        const slowest = Math.max(...outcomes.map(([elapsed]) => Duration.toMillis(elapsed)));
        console.log(
          `pooler restart: ${failures.length} of ${outcomes.length} units failed while the database was down, slowest ${Math.round(slowest)} ms (${[...tags].join(", ")})`,
        );
        assert.isBelow(slowest, 10_000);

        yield* own.restart;
        // Succeeds without a restart of the runtime, once PgBouncer logs in again.
        yield* unit(1_000).pipe(
          Effect.flatMap(([, outcome]) => outcome),
          // PgBouncer waits server_login_retry (15 s by default) after a failed login before it tries again.
          Effect.retry({ schedule: Schedule.spaced("250 millis"), times: 100 }),
        );
        // All or nothing: every document that exists has its discussion.
        const admin = postgres(own.adminUrl, { max: 1, onnotice: () => {} });
        const [counts] = yield* Effect.promise(
          () => admin`select (select count(*)::int from documents_document) as documents,
          (select count(*)::int from documents_discussion) as discussions`,
        ).pipe(Effect.ensuring(Effect.promise(() => admin.end())));
        assert.strictEqual(counts?.documents, counts?.discussions);
        assert.isAtLeast(counts?.documents ?? 0, 1);
      }).pipe(Effect.scoped),
    120_000,
  );
});
