// A Citus worker stopped mid-load: the units whose tenants live there fail with typed errors, quickly, none
// half-written; the others go on; when the worker returns, every tenant's units succeed without a restart. The
// cluster is the test's own, so stopping a worker troubles no other test file.

import { citusCluster, layerOn, MigratedDatabase } from "@beep/db-admin/testing";
import { Citus, Testkit } from "@beep/testkit";
import { assert, it } from "@effect/vitest";
import { Duration, Effect, Either, Layer, Schedule } from "effect";
import postgres from "postgres";
import * as Db from "../src/Db.ts";
import * as SystemDb from "../src/SystemDb.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as Organizations from "./internal/Organizations.ts";
import { asOwner } from "./internal/Tenant.ts";
import * as Units from "./internal/Units.ts";

const ORGANIZATIONS = 8;

Testkit.describeWithCitus("a Citus worker stopped mid-load", () => {
  it.live(
    "units on its shards fail fast with typed errors, none is half-written, and after it returns they succeed",
    () =>
      Effect.gen(function* () {
        const cluster = yield* Effect.acquireRelease(
          Effect.promise(() => Citus.startCluster()),
          (c) => Effect.promise(() => c.stop()),
        );
        const access = {
          ...Citus.toDescription(cluster),
          createDatabase: (prefix?: string) => Citus.createDatabase(cluster, prefix),
          stopWorker: (index: number) => cluster.stopWorker(index),
          startWorker: (index: number) => cluster.startWorker(index),
        };
        const context = yield* Layer.build(layerOn(citusCluster(access)));
        const { adminUrl, appUrl, contextKey } = yield* Effect.provide(MigratedDatabase, context);
        const runtime = yield* Layer.build(
          Layer.mergeAll(
            TenantDb.layerWithKey(contextKey).pipe(
              Layer.provideMerge(
                Db.layerFromUrl(appUrl, {
                  poolMax: 8,
                  statementTimeoutMs: 2_000,
                  connectTimeoutSeconds: 2,
                  acquireTimeoutMs: 3_000,
                }),
              ),
            ),
            SystemDb.layerFromUrl(adminUrl),
          ),
        );
        const orgs = yield* Effect.forEach(
          Array.from({ length: ORGANIZATIONS }, (_, i) => i),
          (i) => Organizations.create({ name: `worker ${i}`, owner: { email: `w${i}@citus.example`, name: `w${i}` } }),
        ).pipe(
          Effect.map((created) => created.map((c) => c.organizationId)),
          Effect.provide(runtime),
        );
        // Two rows per unit, in one transaction: a document and its discussion.
        const unit = (i: number) =>
          asOwner(orgs[i % ORGANIZATIONS] ?? "")(Units.documentWithDiscussion(i)).pipe(
            Effect.provide(runtime),
            Effect.either,
            Effect.timed,
          );

        let stopped = false;
        const outcomes = yield* Effect.forEach(
          Array.from({ length: 120 }, (_, i) => i),
          (i) =>
            Effect.gen(function* () {
              if (i === 40 && !stopped) {
                stopped = true;
                yield* Effect.promise(() => cluster.stopWorker(0, "immediate"));
              }
              return yield* unit(i);
            }),
          { concurrency: 8 },
        );
        const failures = outcomes.map(([, outcome]) => outcome).filter(Either.isLeft);
        const succeededAfter = outcomes.slice(60).filter(([, outcome]) => Either.isRight(outcome)).length;
        const tags = new Set(failures.map((outcome) => outcome.left._tag));
        const slowest = Math.max(...outcomes.map(([elapsed]) => Duration.toMillis(elapsed)));
        console.log(
          `citus worker stopped: ${failures.length} of ${outcomes.length} units failed (${[...tags].join(", ")}), ${succeededAfter} later units on the other worker succeeded, slowest ${Math.round(slowest)} ms`,
        );
        assert.isAbove(failures.length, 0, "units whose shards were on the stopped worker failed");
        assert.isAbove(succeededAfter, 0, "tenants on the other worker kept working");
        for (const tag of tags) assert.include(["DatabaseUnavailable", "QueryFailed", "QueryTimeout"], tag);
        // No unit hung: each ended within its deadlines (acquire 3 s, statement 2 s, connect 2 s).
        assert.isBelow(slowest, 10_000);

        yield* Effect.promise(() => cluster.startWorker(0));
        for (const [i] of orgs.entries()) {
          yield* unit(1_000 + i).pipe(
            Effect.flatMap(([, outcome]) => outcome),
            Effect.retry({ schedule: Schedule.spaced("250 millis"), times: 40 }),
          );
        }
        // All or nothing: every document has its discussion.
        const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
        const [counts] = yield* Effect.promise(
          () => admin`select (select count(*)::int from documents_document) as documents,
            (select count(*)::int from documents_discussion) as discussions`,
        ).pipe(Effect.ensuring(Effect.promise(() => admin.end())));
        assert.strictEqual(counts?.documents, counts?.discussions);
        assert.isAtLeast(counts?.documents ?? 0, ORGANIZATIONS);
      }).pipe(Effect.scoped),
    180_000,
  );
});
