import { document } from "@beep/documents-tables/schema";
import { SharedEntityIds } from "@beep/shared-domain";
import { assert, describe, it } from "@effect/vitest";
import { eq, sql } from "drizzle-orm";
import { Deferred, Effect, Exit, Fiber, Layer, Option } from "effect";
import * as Db from "../src/Db.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { countDocuments, owner, poolState } from "./internal/Inspect.ts";
import { MigratedDatabase, runtime, throughProxy } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import { asOwner } from "./internal/Tenant.ts";

const backendPid = TenantTx.use((db) => db.execute(sql`select pg_backend_pid() as pid`)).pipe(
  Effect.map((rows) => Number(rows[0]?.pid)),
);

const currentRole = TenantTx.use((db) => db.execute(sql`select beep.current_role() as role`)).pipe(
  Effect.map((rows) => rows[0]?.role),
);

/** A unit's last statement (`TenantTx.useLast`): a document with `title`, COMMIT written behind it. */
const insertLast = (title: string) =>
  TenantTx.useLast((db, organizationId) =>
    db.insert(document).values({ title, organizationId }).returning({ id: document.id }),
  );

const lastRole = TenantTx.useLast((db) => db.execute(sql`select beep.current_role() as role`)).pipe(
  Effect.map((rows) => rows[0]?.role),
);

/** As apps/server does: a unit that starts with no role, reads, then acts as the role it found (admin here). */
const readResignRead = (organizationId: string) =>
  TenantDb.withContext({ organizationId })(Effect.zip(currentRole, TenantTx.asRole("admin")(currentRole)));

describe("TenantDb.withOrg", () => {
  it.layer(runtime({ poolMax: 1 }))((it) => {
    it.effect("commits on success; the pooled connection is left with no context", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Acme", owner: owner("acme") });
        const pid = yield* asOwner(organizationId)(
          Effect.zipLeft(backendPid, TenantQuery.insert(document, { title: "commit-me" })),
        );
        const after = yield* poolState;
        assert.strictEqual(after.pid, pid);
        assert.include(["", null], after.setting);
        assert.strictEqual(yield* countDocuments("commit-me"), 1);
        const rows = yield* asOwner(organizationId)(TenantQuery.select(document));
        assert.deepStrictEqual(
          rows.map((row) => [row.title, row.organizationId]),
          [["commit-me", organizationId]],
        );
      }),
    );

    it.effect(
      "useLast: the unit commits with its last statement; a failure after it no longer rolls it back, a statement after it is refused",
      () =>
        Effect.gen(function* () {
          const { organizationId } = yield* Organizations.create({ name: "Last", owner: owner("last") });
          const pid = yield* asOwner(organizationId)(backendPid);
          const failedAfter = yield* Effect.exit(
            asOwner(organizationId)(Effect.zipRight(insertLast("last-then-fail"), Effect.fail("after" as const))),
          );
          assert.deepStrictEqual(failedAfter, Exit.fail("after"));
          const statementAfter = yield* Effect.flip(
            asOwner(organizationId)(Effect.zipRight(insertLast("last-then-read"), TenantQuery.select(document))),
          );
          assert.strictEqual(statementAfter._tag, "TenantContextMissing");
          assert.strictEqual(yield* countDocuments("last-then-fail"), 1);
          assert.strictEqual(yield* countDocuments("last-then-read"), 1);
          // The same connection, clean: the closing message written behind the statement ran.
          assert.deepStrictEqual(yield* poolState, { pid, setting: "" });
        }),
    );

    it.effect("useLast: a failed last statement rolls the whole unit back, and the connection serves the next", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "LastFails", owner: owner("last-fails") });
        const pid = yield* asOwner(organizationId)(backendPid);
        const failed = yield* Effect.flip(
          asOwner(organizationId)(
            Effect.zipRight(
              TenantQuery.insert(document, { title: "before-a-failed-last" }),
              TenantTx.useLast((db) => db.execute(sql`select 1 / 0`)),
            ),
          ),
        );
        assert.strictEqual(failed._tag, "QueryFailed");
        assert.strictEqual(yield* countDocuments("before-a-failed-last"), 0);
        assert.strictEqual(yield* asOwner(organizationId)(backendPid), pid);
        assert.deepStrictEqual(yield* poolState, { pid, setting: "" });
      }),
    );

    it.effect("rolls back on failure and leaves the connection clean", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Rollback", owner: owner("rb") });
        const exit = yield* Effect.exit(
          asOwner(organizationId)(
            TenantQuery.insert(document, { title: "roll-me-back" }).pipe(Effect.andThen(Effect.fail("boom" as const))),
          ),
        );
        assert.deepStrictEqual(exit, Exit.fail("boom"));
        assert.strictEqual(yield* countDocuments("roll-me-back"), 0);
        assert.include(["", null], (yield* poolState).setting);
      }),
    );

    it.effect("rolls back on interruption and the connection serves the next unit of work", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Interrupt", owner: owner("int") });
        const inserted = yield* Deferred.make<void>();
        const fiber = yield* Effect.fork(
          asOwner(organizationId)(
            TenantQuery.insert(document, { title: "interrupted" }).pipe(
              Effect.andThen(Deferred.succeed(inserted, undefined)),
              Effect.andThen(Effect.never),
            ),
          ),
        );
        yield* Deferred.await(inserted);
        yield* Fiber.interrupt(fiber);
        assert.strictEqual(yield* countDocuments("interrupted"), 0);
        assert.include(["", null], (yield* poolState).setting);
        const rows = yield* asOwner(organizationId)(TenantQuery.select(document));
        assert.lengthOf(rows, 0);
      }),
    );

    it.effect("refuses statements that touch the tenant setting", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Setter", owner: owner("set") });
        const other = SharedEntityIds.OrganizationId.create();
        const error = yield* Effect.flip(
          asOwner(organizationId)(
            TenantTx.use((db) => db.execute(sql`select set_config('beep.context', ${other}, false)`)),
          ),
        );
        assert.strictEqual(error._tag, "TenantAccessDenied");
        assert.include(["", null], (yield* poolState).setting);
      }),
    );

    it.effect("a nested unit of work for the same organization joins the outer transaction", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Nested", owner: owner("nest") });
        const txid = TenantTx.use((db) => db.execute(sql`select txid_current()::text as id`)).pipe(
          Effect.map((rows) => String(rows[0]?.id)),
        );
        const [outer, inner] = yield* asOwner(organizationId)(Effect.all([txid, asOwner(organizationId)(txid)]));
        assert.strictEqual(inner, outer);
      }),
    );

    it.effect("the unit's TenantTx leaves the fiber's context when the unit ends, however it ends", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Leaves", owner: owner("leave") });
        const inUnit = Effect.serviceOption(TenantTx.TenantTx);
        assert.isTrue(Option.isSome(yield* asOwner(organizationId)(inUnit)));
        const ends = [Effect.void, Effect.fail("boom"), Effect.die("bug"), Effect.interrupt];
        for (const end of ends) {
          yield* Effect.exit(asOwner(organizationId)(end));
          assert.isTrue(Option.isNone(yield* inUnit));
        }
      }),
    );

    it.effect("a fiber that outlives its unit of work cannot use the transaction", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Escape", owner: owner("esc") });
        const escaped = yield* asOwner(organizationId)(Effect.map(TenantTx.TenantTx, (tx) => tx));
        const error = yield* Effect.flip(
          Effect.provideService(TenantQuery.select(document), TenantTx.TenantTx, escaped),
        );
        assert.strictEqual(error._tag, "TenantContextMissing");
      }),
    );

    it.effect("helpers filter by organization and refuse another organization's values before SQL", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Helpers", owner: owner("help") });
        const other = SharedEntityIds.OrganizationId.create();
        const result = yield* asOwner(organizationId)(
          Effect.gen(function* () {
            const [created] = yield* TenantQuery.insert(document, [{ title: "h1" }, { title: "h2" }]);
            assert.isDefined(created);
            const owned = yield* TenantQuery.assertTenantOwnership(created as NonNullable<typeof created>);
            const updated = yield* TenantQuery.update(document, { status: "published" }, eq(document.title, "h1"));
            const denied = yield* Effect.flip(
              TenantQuery.insert(document, { title: "x", organizationId: other } as never),
            );
            const foreign = yield* Effect.flip(TenantQuery.assertTenantOwnership({ ...owned, organizationId: other }));
            const deleted = yield* TenantQuery.delete(document, eq(document.title, "h2"));
            const left = yield* TenantQuery.select(document);
            return { updated, denied, foreign, deleted, left, current: yield* TenantQuery.currentTenant };
          }),
        );
        assert.deepStrictEqual(
          result.updated.map((row) => row.status),
          ["published"],
        );
        assert.strictEqual(result.denied._tag, "TenantAccessDenied");
        assert.strictEqual(result.foreign._tag, "TenantAccessDenied");
        assert.deepStrictEqual(
          result.deleted.map((row) => row.title),
          ["h2"],
        );
        assert.deepStrictEqual(
          result.left.map((row) => row.title),
          ["h1"],
        );
        assert.strictEqual(result.current, organizationId);
        assert.isTrue(TenantQuery.isRlsEnabled(document));
      }),
    );
  });

  it.layer(runtime())((it) => {
    it.effect("BEGIN, the context and the first statement share one round trip; COMMIT is the second", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Pipeline", owner: owner("pipe") });
        const { proxy, tenant } = yield* throughProxy();
        const unit = asOwner(organizationId)(TenantQuery.select(document, eq(document.title, "nothing-here")));
        const measured = Effect.gen(function* () {
          // The first run on a connection prepares its statements; later runs reuse them.
          yield* unit;
          proxy.reset();
          yield* unit;
          return proxy.flights();
        }).pipe(Effect.provide(tenant));
        const flights = yield* measured;
        console.log(`pipelining: one-statement unit of work took ${flights} round trips`);
        assert.strictEqual(flights, 2);
      }).pipe(Effect.scoped),
    );

    it.effect(
      "a re-sign (asRole) goes out with the statement after it: read, re-sign, read and COMMIT take three round trips, not four",
      () =>
        Effect.gen(function* () {
          const { organizationId } = yield* Organizations.create({ name: "Resign", owner: owner("resign") });
          const { proxy, tenant } = yield* throughProxy();
          const unit = readResignRead(organizationId);
          const measured = Effect.gen(function* () {
            yield* unit;
            proxy.reset();
            const roles = yield* unit;
            return { roles, flights: proxy.flights() };
          }).pipe(Effect.provide(tenant));
          const { roles, flights } = yield* measured;
          assert.deepStrictEqual(roles, [null, "admin"]);
          // BEGIN, the context and the first read; then the re-sign and the second read; then COMMIT.
          assert.strictEqual(flights, 3);
        }).pipe(Effect.scoped),
    );

    it.effect("useLast: read, re-sign and a last read take two round trips: COMMIT goes behind the last", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "ResignLast", owner: owner("resign-last") });
        const unit = TenantDb.withContext({ organizationId })(
          Effect.zip(currentRole, TenantTx.asRole("admin")(lastRole)),
        );
        for (const poolMode of ["direct", "transaction"] as const) {
          const { proxy, tenant } = yield* throughProxy(undefined, { poolMode });
          const { roles, flights } = yield* Effect.gen(function* () {
            yield* unit; // the pool's connection opens on the first
            proxy.reset();
            const roles = yield* unit;
            return { roles, flights: proxy.flights() };
          }).pipe(Effect.provide(tenant));
          assert.deepStrictEqual(roles, [null, "admin"], poolMode);
          // BEGIN, the context and the first read; then the re-sign, the last read, the cleanup and COMMIT.
          assert.strictEqual(flights, 2, poolMode);
        }
      }).pipe(Effect.scoped),
    );

    it.effect("where nothing is prepared, values read back as they do where statements are prepared", () =>
      Effect.gen(function* () {
        const { appUrl, contextKey } = yield* MigratedDatabase;
        const { organizationId } = yield* Organizations.create({ name: "Values", owner: owner("values") });
        // Only text, numbers and null: the statement goes out whole where nothing is prepared, the server typing them.
        const textual = sql`select ${`it's "quoted" \\ back\\slashed, {braced}, ünïcødé ✓\nnew line`}::text as t,
          ${'{"a": "x\\"y", "n": [1, 2.5, null]}'}::jsonb as j, ${42}::int as i, ${"12.50"}::numeric as n,
          ${0.1}::float8 as f, ${"2026-12-04T18:00:00.123Z"}::timestamptz as ts, ${'{a,"b\\"c","{d}",NULL}'}::text[] as arr,
          ${"0b9c6c0e-6f5a-4c1e-9c1e-2b7d3c4e5f60"}::uuid as u, ${null}::text as nothing, ${"-9007199254740993"}::int8 as big`;
        // A boolean and a buffer: postgres.js asks for the parameters' types first, as it always did.
        const typed = sql`select ${true}::bool as b, ${Buffer.from([0, 92, 255])}::bytea as bytes, ${"x"}::text as t`;
        const read = (statement: typeof textual) =>
          asOwner(organizationId)(TenantTx.use((db) => db.execute(statement)));
        const direct = TenantDb.layerWithKey(contextKey).pipe(Layer.provide(Db.layerFromUrl(appUrl)));
        const { proxy, tenant: unnamed } = yield* throughProxy(undefined, { poolMode: "transaction" });
        const inBoth = (statement: typeof textual) =>
          Effect.gen(function* () {
            const prepared = yield* Effect.provide(read(statement), direct);
            const { rows, flights } = yield* Effect.gen(function* () {
              yield* read(statement); // the pool's connection opens on the first
              proxy.reset();
              const rows = yield* read(statement);
              return { rows, flights: proxy.flights() };
            }).pipe(Effect.provide(unnamed));
            assert.deepStrictEqual([...rows], [...prepared]);
            return { row: prepared[0], flights };
          });
        const text = yield* inBoth(textual);
        assert.strictEqual(text.row?.t, `it's "quoted" \\ back\\slashed, {braced}, ünïcødé ✓\nnew line`);
        assert.deepStrictEqual(text.row?.arr, ["a", 'b"c', "{d}", null]);
        assert.strictEqual(text.row?.big, "-9007199254740993");
        assert.strictEqual(text.flights, 2);
        const other = yield* inBoth(typed);
        assert.deepStrictEqual({ ...other.row }, { b: true, bytes: Buffer.from([0, 92, 255]), t: "x" });
        assert.strictEqual(other.flights, 3);
      }).pipe(Effect.scoped),
    );

    it.effect(
      "where nothing is prepared (a transaction pooler), a unit takes the round trips it takes where statements are prepared",
      () =>
        Effect.gen(function* () {
          const { organizationId } = yield* Organizations.create({ name: "Pooled", owner: owner("pooled") });
          const { proxy, tenant } = yield* throughProxy(undefined, { poolMode: "transaction" });
          const read = asOwner(organizationId)(TenantQuery.select(document, eq(document.title, "nothing-here")));
          const resigned = readResignRead(organizationId);
          const flightsOf = <A, E>(unit: Effect.Effect<A, E, TenantDb.TenantDb>) =>
            Effect.gen(function* () {
              yield* unit; // the pool's connection opens on the first
              proxy.reset();
              const result = yield* unit;
              return { result, flights: proxy.flights() };
            }).pipe(Effect.provide(tenant));
          // The context's values and the read's go as text the server types (postgres.js would ask for their types
          // first, a round trip each): BEGIN, the context and the read; then COMMIT.
          const one = yield* flightsOf(read);
          assert.deepStrictEqual(one.result, []);
          assert.strictEqual(one.flights, 2);
          // The re-sign's values are typed by the server too: it goes with the second read.
          const two = yield* flightsOf(resigned);
          assert.deepStrictEqual(two.result, [null, "admin"]);
          assert.strictEqual(two.flights, 3);
        }).pipe(Effect.scoped),
    );
  });
});
