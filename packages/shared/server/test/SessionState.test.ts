import { Verify } from "@beep/db-admin";
import { MigratedDatabase } from "@beep/db-admin/testing";
import { document } from "@beep/documents-tables/schema";
import { assert, describe, it } from "@effect/vitest";
import { type SQL, sql } from "drizzle-orm";
import { Effect, Exit } from "effect";
import * as Db from "../src/Db.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { rawClient, twoOrganizations, whoAmI } from "./internal/Attack.ts";
import { runtime, withAdmin } from "./internal/layers.ts";
import { asOwner } from "./internal/Tenant.ts";

/** What a session carries from one transaction to the next, as the session itself sees it. */
const STATE_SQL = `select pg_catalog.pg_backend_pid() as pid,
  pg_catalog.current_setting('work_mem') as work_mem,
  pg_catalog.current_setting('search_path') as search_path,
  (select coalesce(pg_catalog.array_agg(name order by name), '{}') from pg_catalog.pg_cursors) as cursors,
  (select coalesce(pg_catalog.array_agg(name order by name), '{}') from pg_catalog.pg_prepared_statements where from_sql) as prepared,
  (select count(*)::int from pg_catalog.pg_locks where locktype = 'advisory' and pid = pg_catalog.pg_backend_pid()) as advisory,
  (select coalesce(pg_catalog.array_agg(c order by c), '{}') from pg_catalog.pg_listening_channels() c) as listening,
  pg_catalog.pg_my_temp_schema() <> 0 as temp_schema`;

interface SessionState {
  readonly pid: number;
  readonly work_mem: string;
  readonly search_path: string;
  readonly cursors: ReadonlyArray<string>;
  readonly prepared: ReadonlyArray<string>;
  readonly advisory: number;
  readonly listening: ReadonlyArray<string>;
  readonly temp_schema: boolean;
}

const toState = (row: Record<string, unknown> | undefined): SessionState => ({
  pid: Number(row?.pid),
  work_mem: String(row?.work_mem),
  search_path: String(row?.search_path),
  cursors: (row?.cursors ?? []) as Array<string>,
  prepared: (row?.prepared ?? []) as Array<string>,
  advisory: Number(row?.advisory),
  listening: (row?.listening ?? []) as Array<string>,
  temp_schema: row?.temp_schema === true,
});

/** The session state inside a unit of work of `organizationId`. */
const stateInUnit = (organizationId: string) =>
  asOwner(organizationId)(TenantTx.use((db) => db.execute(sql.raw(STATE_SQL)))).pipe(
    Effect.map((rows) => toState(rows[0])),
  );

/** The session state between units of work, on the pool's one connection (no transaction, no context). */
const stateBetweenUnits = Effect.flatMap(Db.Db, ({ sql: pool }) => Effect.promise(() => pool.unsafe(STATE_SQL))).pipe(
  Effect.map((rows) => toState(rows[0])),
);

/** Runs statements, in order, in one unit of work of `organizationId`; returns each one's rows. */
const unitOf = (organizationId: string, ...statements: ReadonlyArray<SQL>) =>
  asOwner(organizationId)(
    TenantTx.use(async (db) => {
      const results: Array<ReadonlyArray<Record<string, unknown>>> = [];
      for (const statement of statements) results.push(await db.execute(statement));
      return results;
    }),
  );

/** Nothing of `state` is left over from another unit of work: settings as at `baseline`, no cursor, lock, ... */
const assertClean = (state: SessionState, baseline: SessionState, where: string) => {
  assert.deepStrictEqual(
    { ...state, pid: 0 },
    { ...baseline, pid: 0 },
    `${where}: ${JSON.stringify(state)} vs ${JSON.stringify(baseline)}`,
  );
  assert.notInclude(state.cursors, "c", where);
  assert.deepStrictEqual(state.prepared, [], where);
  assert.strictEqual(state.advisory, 0, where);
  assert.deepStrictEqual(state.listening, [], where);
  assert.isFalse(state.temp_schema, where);
  assert.notStrictEqual(state.search_path, "pg_catalog", where);
};

/** A and B, with a document of A's, and B's state in a unit of work and between units before anything happened. */
const setup = Effect.gen(function* () {
  const orgs = yield* twoOrganizations;
  yield* asOwner(orgs.A)(TenantQuery.insert(document, { title: "A's secret" }));
  const inUnit = yield* stateInUnit(orgs.B);
  const between = yield* stateBetweenUnits;
  assert.strictEqual(inUnit.pid, between.pid, "the pool has one connection");
  return { ...orgs, inUnit, between };
});

/** B's next unit of work, and the session between units, show nothing of A's unit. */
const assertBSeesNothing = (B: string, baseline: { inUnit: SessionState; between: SessionState }) =>
  Effect.gen(function* () {
    const inUnit = yield* stateInUnit(B);
    assertClean(inUnit, baseline.inUnit, "in B's next unit of work");
    const between = yield* stateBetweenUnits;
    assertClean(between, baseline.between, "between units of work");
    assert.strictEqual(between.pid, inUnit.pid);
    return inUnit;
  });

describe("nothing survives a unit of work", () => {
  it.layer(runtime({ poolMax: 1 }))((it) => {
    // One connection serves every unit of work, one tenant after another. Whatever A's unit leaves in the
    // session (a temporary table shadowing a tenant table, a cursor holding A's rows, settings, prepared
    // statements, locks, LISTEN) must be gone, or the connection replaced, before B's unit runs on it.
    it.effect("the pool's connection is beep_app: not superuser, no BYPASSRLS", () =>
      Effect.gen(function* () {
        const { sql: pool } = yield* Db.Db;
        assert.deepStrictEqual(yield* Effect.promise(() => whoAmI(pool)), {
          role: "beep_app",
          super: false,
          bypass: false,
        });
      }),
    );

    it.effect("a temporary table that would shadow documents_document cannot be created", () =>
      Effect.gen(function* () {
        const { A, B, ...baseline } = yield* setup;
        const error = yield* Effect.flip(
          unitOf(A, sql`create temp table documents_document (id text, organization_id text, title text)`),
        );
        assert.strictEqual(error._tag, "TenantAccessDenied", error.message);
        assert.strictEqual((error as { code?: string }).code, "42501");
        assert.match(error.message, /permission denied to create temporary tables/);
        yield* assertBSeesNothing(B, baseline);
        // B's write lands in the real table.
        const [created] = yield* asOwner(B)(TenantQuery.insert(document, { title: "B after temp" }));
        const stored = yield* withAdmin(
          (admin) => admin`select organization_id from public.documents_document where id = ${created?.id ?? ""}`,
        );
        assert.deepStrictEqual(
          stored.map((row) => row.organization_id),
          [B],
        );
      }),
    );

    it.effect("a WITH HOLD cursor over A's rows is closed before B's unit", () =>
      Effect.gen(function* () {
        const { A, B, ...baseline } = yield* setup;
        const [, inside] = yield* unitOf(
          A,
          sql`declare c cursor with hold for select id, title from documents_document`,
          sql`select count(*)::int as n from pg_catalog.pg_cursors where name = 'c'`,
        );
        assert.strictEqual(inside?.[0]?.n, 1, "the cursor existed in A's unit");
        yield* assertBSeesNothing(B, baseline);
        const error = yield* Effect.flip(unitOf(B, sql`fetch all from c`));
        assert.strictEqual(error._tag, "QueryFailed");
        assert.strictEqual((error as { code?: string }).code, "34000", error.message);
      }),
    );

    it.effect("session settings (work_mem, search_path) are reset", () =>
      Effect.gen(function* () {
        const { A, B, ...baseline } = yield* setup;
        const [, , inside] = yield* unitOf(
          A,
          sql`set work_mem = '77MB'`,
          sql`select set_config('search_path', 'pg_catalog', false)`,
          sql`select current_setting('work_mem') as work_mem, current_setting('search_path') as search_path`,
        );
        assert.deepStrictEqual(inside?.[0], { work_mem: "77MB", search_path: "pg_catalog" }, "they took in A's unit");
        assert.notStrictEqual(baseline.inUnit.work_mem, "77MB");
        yield* assertBSeesNothing(B, baseline);
      }),
    );

    it.effect("an SQL-level prepared statement sends the connection away", () =>
      Effect.gen(function* () {
        const { A, B, ...baseline } = yield* setup;
        const [, inside] = yield* unitOf(
          A,
          sql`prepare p as select id, title from documents_document`,
          sql`select pg_catalog.pg_backend_pid() as pid, (select count(*)::int from pg_catalog.pg_prepared_statements where from_sql) as n`,
        );
        assert.strictEqual(inside?.[0]?.n, 1, "the statement existed in A's unit");
        assert.strictEqual(Number(inside?.[0]?.pid), baseline.inUnit.pid);
        const after = yield* stateInUnit(B);
        assert.deepStrictEqual(after.prepared, []);
        assert.notStrictEqual(after.pid, baseline.inUnit.pid, "a new connection (the old one was closed)");
        const error = yield* Effect.flip(unitOf(B, sql`execute p`));
        assert.strictEqual((error as { code?: string }).code, "26000", error.message);
        // The new connection is as clean as the old one was.
        yield* assertBSeesNothing(B, baseline);
      }),
    );

    // The replacement must not cost the next tenant: its unit of work should not wait for the pool's deadline.
    it.effect("replacing the connection does not hold up B's next unit of work", () =>
      Effect.gen(function* () {
        const { A, B, inUnit } = yield* setup;
        const { options } = yield* Db.Db;
        yield* unitOf(A, sql`prepare p as select 1`);
        const started = Date.now();
        const after = yield* stateInUnit(B);
        const waited = Date.now() - started;
        assert.notStrictEqual(after.pid, inUnit.pid, "a new connection");
        assert.isBelow(
          waited,
          2_000,
          `B's unit of work took ${waited} ms after A's connection was replaced (acquire timeout ${options.acquireTimeoutMs} ms)`,
        );
      }),
    );

    it.effect("a session advisory lock is released", () =>
      Effect.gen(function* () {
        const { A, B, ...baseline } = yield* setup;
        const [, inside] = yield* unitOf(
          A,
          sql`select pg_catalog.pg_advisory_lock(4242)`,
          sql`select count(*)::int as n from pg_catalog.pg_locks where locktype = 'advisory' and pid = pg_catalog.pg_backend_pid()`,
        );
        assert.strictEqual(inside?.[0]?.n, 1, "the lock was held in A's unit");
        yield* assertBSeesNothing(B, baseline);
        const held = yield* withAdmin(
          (admin) => admin`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 4242`,
        );
        assert.strictEqual(held[0]?.n, 0, "nobody holds it");
      }),
    );

    it.effect("LISTEN is undone", () =>
      Effect.gen(function* () {
        const { A, B, ...baseline } = yield* setup;
        yield* unitOf(A, sql`listen beep_test`);
        yield* assertBSeesNothing(B, baseline);
        // Control: a LISTEN that commits is what pg_listening_channels() shows, on a connection of its own.
        const { appUrl } = yield* MigratedDatabase;
        const raw = yield* rawClient(appUrl);
        const channels = yield* Effect.promise(async () => {
          await raw.begin((tx) => tx`listen beep_test`);
          return await raw`select pg_catalog.pg_listening_channels() as c`;
        });
        assert.deepStrictEqual(
          channels.map((row) => row.c),
          ["beep_test"],
        );
      }).pipe(Effect.scoped),
    );

    // A unit that fails is rolled back; what a rollback does not undo (session advisory locks) must go too.
    it.effect("a unit that fails after changing its session leaves nothing behind", () =>
      Effect.gen(function* () {
        const { A, B, ...baseline } = yield* setup;
        const exit = yield* Effect.exit(
          unitOf(
            A,
            sql`set work_mem = '77MB'`,
            sql`select set_config('search_path', 'pg_catalog', false)`,
            sql`select pg_catalog.pg_advisory_lock(4343)`,
            sql`listen beep_failed`,
            sql`declare c cursor with hold for select id, title from public.documents_document`,
          ).pipe(Effect.andThen(Effect.fail("boom" as const))),
        );
        assert.deepStrictEqual(exit, Exit.fail("boom"));
        yield* assertBSeesNothing(B, baseline);

        const failed = yield* Effect.flip(
          unitOf(A, sql`set work_mem = '77MB'`, sql`select pg_catalog.pg_advisory_lock(4344)`, sql`select 1 / 0`),
        );
        assert.strictEqual((failed as { code?: string }).code, "22012", failed.message);
        yield* assertBSeesNothing(B, baseline);
        const held = yield* withAdmin(
          (admin) =>
            admin`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid in (4343, 4344)`,
        );
        assert.strictEqual(held[0]?.n, 0, "nobody holds them");
      }),
    );

    // Role defaults live outside the session: every new beep_app connection to the database starts with them.
    // PostgreSQL lets every role set its own defaults (ALTER ROLE ... SET) and nothing can revoke that: it is an
    // accepted channel (docs/rls.md), which changes service, never isolation, and db:verify names it.
    it.effect("a unit that changes beep_app's own defaults cannot be prevented, and db:verify names the setting", () =>
      Effect.gen(function* () {
        const { name, adminUrl } = yield* MigratedDatabase;
        const { A } = yield* setup;
        yield* unitOf(A, sql.raw(`alter role current_user in database "${name}" set work_mem = '77MB'`));
        const report = yield* Verify.verify(adminUrl);
        const named = report.subjects
          .flatMap((subject) => subject.problems)
          .filter((p) => p.code === "app-role-settings");
        assert.lengthOf(named, 1);
        assert.include(named[0]?.message, "work_mem=77MB");
        assert.isFalse(report.ok);
      }).pipe(
        Effect.ensuring(
          Effect.flatMap(MigratedDatabase, ({ name }) =>
            withAdmin((admin) => admin.unsafe(`alter role beep_app in database "${name}" reset all`)),
          ).pipe(Effect.orDie),
        ),
      ),
    );
  });
});
