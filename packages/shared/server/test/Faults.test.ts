import { document } from "@beep/documents-tables/schema";
import { assert, describe, it, layer } from "@effect/vitest";
import { like, sql } from "drizzle-orm";
import { Effect, Layer } from "effect";
import * as Db from "../src/Db.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { MigratedDatabase, runtime, throughProxy, withAdmin } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import * as OwnServer from "./internal/OwnServer.ts";
import { asOwner } from "./internal/Tenant.ts";

const owner = (tag: string) => ({ email: `${tag}-${Math.random().toString(36).slice(2)}@example.com`, name: tag });

const KILL_ROUNDS = 12;
const tally = { faults: 0, recovered: 0 };
const recovered = () => {
  tally.recovered += 1;
};

const backendPid = TenantTx.use((db) => db.execute(sql`select pg_backend_pid() as pid`)).pipe(
  Effect.map((rows) => Number(rows[0]?.pid)),
);

const terminate = (pid: number) =>
  withAdmin((admin) => admin`select pg_terminate_backend(${pid}) as done`).pipe(
    Effect.tap(() => {
      tally.faults += 1;
    }),
  );

const committed = (pattern: string) =>
  withAdmin((admin) => admin`select count(*)::int as n from documents_document where title like ${pattern}`).pipe(
    Effect.map((rows) => rows[0]?.n as number),
  );

const poolSetting = Effect.flatMap(Db.Db, ({ sql: pool }) =>
  Effect.promise(() => pool`select pg_backend_pid() as pid, current_setting('beep.context', true) as setting`),
).pipe(Effect.map(([row]) => ({ pid: Number(row?.pid), setting: row?.setting as string | null })));

describe("faults", () => {
  layer(runtime({ poolMax: 2 }), { excludeTestServices: true })((it) => {
    it.effect("a backend killed mid-transaction: DatabaseUnavailable, nothing committed, the pool recovers", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Kill", owner: owner("kill") });
        // Killed while a statement is on its way, and killed while the transaction sits idle; repeatedly,
        // because a reset connection must not poison the pool slot it came from.
        for (let round = 0; round < KILL_ROUNDS; round++) {
          const variant = round % 2 === 0 ? "busy" : "idle";
          const error = yield* Effect.flip(
            asOwner(organizationId)(
              Effect.gen(function* () {
                yield* TenantTx.use((db) => db.insert(document).values({ title: `killed-${round}` }));
                yield* terminate(yield* backendPid);
                if (variant === "idle") yield* Effect.sleep(20 + (round % 5) * 10);
                return yield* TenantTx.use((db) => db.insert(document).values({ title: `killed-${round}-2` }));
              }),
            ),
          );
          assert.strictEqual(error._tag, "DatabaseUnavailable", `${variant}: ${error.message}`);
          const after = yield* asOwner(organizationId)(
            TenantTx.use((db) => db.select().from(document).where(like(document.title, "killed-%"))),
          );
          assert.lengthOf(after, 0);
          recovered();
        }
        assert.strictEqual(yield* committed("killed-%"), 0);
        // No pool slot was lost: every connection can be reserved at once.
        const { sql: pool, options } = yield* Db.Db;
        const all = yield* Effect.promise(() =>
          Promise.all(Array.from({ length: options.poolMax }, () => pool.reserve())),
        ).pipe(Effect.timeout("5 seconds"));
        for (const connection of all) connection.release();
        assert.lengthOf(all, options.poolMax);
      }),
    );

    it.effect("a failure in the middle of a pipelined transaction rolls back and leaves the connection clean", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Pipe", owner: owner("pipe") });
        const error = yield* Effect.flip(
          asOwner(organizationId)(
            TenantTx.use((db) =>
              Promise.all([
                db.insert(document).values({ title: "pipelined-1" }),
                db.execute(sql`select 1 / 0`),
                db.insert(document).values({ title: "pipelined-2" }),
              ]),
            ),
          ),
        );
        tally.faults += 1;
        assert.strictEqual(error._tag, "QueryFailed");
        assert.strictEqual(error._tag === "QueryFailed" ? error.code : "", "22012");
        assert.strictEqual(yield* committed("pipelined-%"), 0);
        for (let i = 0; i < 2; i++) assert.include(["", null], (yield* poolSetting).setting);
        const rows = yield* asOwner(organizationId)(TenantTx.use((db) => db.select().from(document)));
        assert.lengthOf(rows, 0);
        recovered();
      }),
    );

    it.effect("statement_timeout ends a slow statement with QueryTimeout; the connection is reused cleanly", () =>
      Effect.gen(function* () {
        const { appUrl, contextKey } = yield* MigratedDatabase;
        const { organizationId } = yield* Organizations.create({ name: "Slow", owner: owner("slow") });
        const slow = Effect.gen(function* () {
          const error = yield* Effect.flip(
            asOwner(organizationId)(TenantTx.use((db) => db.execute(sql`select pg_sleep(5)`))),
          );
          tally.faults += 1;
          assert.strictEqual(error._tag, "QueryTimeout");
          const [pid, state] = yield* Effect.all([asOwner(organizationId)(backendPid), poolSetting]);
          assert.strictEqual(state.pid, pid);
          assert.include(["", null], state.setting);
          recovered();
        });
        const started = performance.now();
        yield* slow.pipe(
          Effect.provide(
            TenantDb.layerWithKey(contextKey).pipe(
              Layer.provideMerge(Db.layerFromUrl(appUrl, { poolMax: 1, statementTimeoutMs: 300 })),
            ),
          ),
        );
        assert.isBelow(performance.now() - started, 4_000);
      }),
    );
    it.effect(
      "a COMMIT that never answers ends at its deadline: DatabaseUnavailable, and the pool serves the next unit",
      () =>
        Effect.gen(function* () {
          const { organizationId } = yield* Organizations.create({ name: "Hung", owner: owner("hung") });
          const { proxy, tenant } = yield* throughProxy(0, { statementTimeoutMs: 500 });
          const context = yield* Layer.build(tenant);
          // The body's statement answers; then the server goes silent, so COMMIT is written and never answered.
          const hung = asOwner(organizationId)(
            TenantTx.use((db) => db.insert(document).values({ title: "maybe" })).pipe(
              Effect.tap(() => Effect.sync(() => proxy.hold(true))),
            ),
          );
          const started = performance.now();
          const error = yield* Effect.flip(hung.pipe(Effect.provide(context)));
          tally.faults += 1;
          assert.strictEqual(error._tag, "DatabaseUnavailable");
          assert.include(error.message, "COMMIT did not answer within 1500 ms");
          assert.isBelow(performance.now() - started, 3_000);
          proxy.hold(false);
          const rows = yield* asOwner(organizationId)(
            TenantTx.use((db) => db.select({ id: document.id }).from(document)),
          ).pipe(Effect.provide(context));
          assert.isAtMost(rows.length, 1);
          recovered();
        }).pipe(Effect.scoped),
    );
  });

  it.effect("PostgreSQL stopped and started again: the next unit of work succeeds", () =>
    Effect.gen(function* () {
      const own = yield* OwnServer.start("restart");
      const { appUrl, contextKey } = own;
      const context = yield* Layer.build(
        TenantDb.layerWithKey(contextKey).pipe(
          Layer.provideMerge(Db.layerFromUrl(appUrl, { poolMax: 2, connectTimeoutSeconds: 3 })),
        ),
      );
      const { organizationId } = yield* Organizations.create({ name: "Restart", owner: owner("restart") }).pipe(
        Effect.provide(context),
      );
      const unit = (title: string) =>
        asOwner(organizationId)(TenantTx.use((db) => db.insert(document).values({ title }).returning())).pipe(
          Effect.provide(context),
        );

      yield* unit("before");
      yield* own.stop;
      tally.faults += 1;
      const down = yield* Effect.flip(unit("while-down"));
      assert.strictEqual(down._tag, "DatabaseUnavailable", down.message);

      yield* own.restart;
      const [row] = yield* unit("after");
      assert.strictEqual(row?.organizationId, organizationId);
      recovered();
      const titles = yield* asOwner(organizationId)(
        TenantTx.use((db) => db.select({ title: document.title }).from(document)),
      ).pipe(Effect.provide(context));
      assert.sameMembers(
        titles.map((t) => t.title),
        ["before", "after"],
      );
      console.log(`faults: ${tally.faults} faults injected, ${tally.recovered} recovered`);
      assert.strictEqual(tally.recovered, tally.faults);
    }).pipe(Effect.scoped),
  );
});
