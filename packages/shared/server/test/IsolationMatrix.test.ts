import { Registry } from "@beep/db-admin";
import { TenantContext } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { drizzle } from "drizzle-orm/postgres-js";
import { Effect, Either } from "effect";
import postgres from "postgres";
import * as Db from "../src/Db.ts";
import type { DbError } from "../src/DbErrors.ts";
import * as DbErrors from "../src/DbErrors.ts";
import * as SystemDb from "../src/SystemDb.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { rawClient } from "./internal/Attack.ts";
import * as GlobalWrites from "./internal/GlobalWrites.ts";
import { MigratedDatabase, runtime, runtimeOnCitus, runtimeThrough, withAdmin } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import * as Seed from "./internal/Seed.ts";
import { asOwner } from "./internal/Tenant.ts";

type Row = Seed.Row;
type Loose = any;

/** The owner of the shared rows of `nullable` tables. */
const SHARED = TenantContext.SHARED_ORGANIZATION_ID;

const owner = (tag: string) => ({ email: `${tag}-${Math.random().toString(36).slice(2)}@example.com`, name: tag });
const org = (table: PgTable) => (table as unknown as { organizationId: PgColumn }).organizationId;
const idOf = (table: PgTable) => (table as unknown as { id: PgColumn }).id;

/** Carries a case's outcome out of its unit of work, which it rolls back. */
class RolledBack {
  constructor(readonly outcome: Either.Either<ReadonlyArray<Row>, DbError>) {}
}

/** Tallies every case; a case is one assertion about one statement, and a leak is a row of another tenant seen. */
class Tally {
  cases = 0;
  leaks = 0;
  readonly failures: Array<string> = [];
  check(label: string, ok: boolean, detail = "") {
    this.cases += 1;
    if (!ok) this.failures.push(detail === "" ? label : `${label}: ${detail}`);
  }
}

/** The user a row names, when it names one: the unit that writes it acts as that user. */
const actorOf = (rows: ReadonlyArray<Row>): string | undefined =>
  rows.map((row) => row.userId).find((id): id is string => typeof id === "string");

/** Global rows (users) are fixtures, not tenant writes: the system role writes them before the unit of work. */
const insertGlobals = (globals: ReadonlyArray<{ readonly table: PgTable; readonly row: Row }>) =>
  Effect.forEach(
    globals,
    (global) => SystemDb.transaction(SystemDb.use((db) => db.insert(global.table).values(global.row as Loose))),
    { discard: true },
  );

const describeOutcome = (outcome: Either.Either<ReadonlyArray<Row>, { _tag: string; message: string }>) =>
  Either.match(outcome, {
    onLeft: (error) => `${error._tag} ${error.message}`,
    onRight: (rows) => `${rows.length} rows`,
  });

/**
 * The matrix over `runtimeLayer`. A pool of one: after each unit of work the connection has no context, and,
 * when `sameBackend` (direct), it is the same backend (a transaction pooler may hand out another).
 */
const matrix = (runtimeLayer: ReturnType<typeof runtime>, sameBackend: boolean) =>
  it.layer(runtimeLayer)((it) => {
    it.effect("as beep_app, a tenant sees and changes only its own rows, in every table", () =>
      Effect.gen(function* () {
        const tables = Seed.tenantTables();
        const tenantSet = new Set<PgTable>(tables.map((entry) => entry.table));
        const tally = new Tally();
        const { appUrl } = yield* MigratedDatabase;
        const A = (yield* Organizations.create({ name: "A", owner: owner("a") })).organizationId;
        const B = (yield* Organizations.create({ name: "B", owner: owner("b") })).organizationId;

        // Seed one row per table for each organization, parents first, through the runtime itself.
        const seeded = new Map<string, Map<PgTable, Row>>([
          [A, new Map()],
          [B, new Map()],
        ]);
        for (const organizationId of [A, B]) {
          const parents = seeded.get(organizationId) as Map<PgTable, Row>;
          for (const entry of tables) {
            const planned = Seed.planRow(entry, parents);
            parents.set(entry.table, planned.row);
            yield* insertGlobals(planned.globals);
            yield* asOwner(
              organizationId,
              actorOf([planned.row]),
            )(TenantTx.use((db) => db.insert(entry.table).values(planned.row as Loose)));
          }
        }
        // Shared rows of nullable tables, the shared organization's: written by the system role, never by a tenant.
        const shared = new Map<PgTable, Row>();
        for (const entry of tables.filter((t) => t.metadata.rlsPolicy === "nullable")) {
          const planned = Seed.planRow(entry, seeded.get(A) as Map<PgTable, Row>);
          shared.set(entry.table, planned.row);
          yield* SystemDb.transaction(
            SystemDb.use((db) => db.insert(entry.table).values({ ...planned.row, organizationId: SHARED } as Loose)),
          );
        }
        const rowOf = (organizationId: string, table: PgTable) => seeded.get(organizationId)?.get(table) as Row;

        const privileges = yield* withAdmin(
          (admin) =>
            admin`select relname as name, has_column_privilege('beep_app', oid, 'updated_at', 'UPDATE') as can_update,
              has_table_privilege('beep_app', oid, 'DELETE') as can_delete
              from pg_class where relname in ${admin(tables.map((t) => t.name))}`,
        );
        const can = (name: string, privilege: "can_update" | "can_delete") =>
          privileges.find((p) => p.name === name)?.[privilege] === true;

        const snapshot = withAdmin(async (admin) => {
          const out: Record<string, unknown> = {};
          for (const entry of tables) {
            out[entry.name] = await admin.unsafe(
              `select * from "${entry.name}" where organization_id = $1 or organization_id = $2 order by id`,
              [B, SHARED],
            );
          }
          return JSON.stringify(out);
        });
        const before = yield* snapshot;

        // The pool has one connection: after each unit of work it must be the same backend, with no context.
        const pid = yield* asOwner(A)(TenantTx.use((db) => db.execute(sql`select pg_backend_pid() as pid`)));
        const expectedPid = Number(pid[0]?.pid);
        const assertClean = (label: string, into: Tally = tally) =>
          Effect.flatMap(Db.Db, ({ sql: pool }) =>
            Effect.promise(
              () => pool`select pg_backend_pid() as pid, current_setting('beep.context', true) as setting`,
            ),
          ).pipe(
            Effect.map(([state]) =>
              into.check(
                `${label}: connection clean afterwards`,
                (!sameBackend || Number(state?.pid) === expectedPid) &&
                  (state?.setting === "" || state?.setting === null),
                JSON.stringify(state),
              ),
            ),
          );

        /**
         * One unit of work as A's owner (the strongest role: isolation must hold for it), always rolled back so that every case starts from the seeded rows:
         * `fresh` rows are inserted first, then the statement under test; its rows are checked for leaks.
         */
        const asA = (
          label: string,
          f: (db: Db.Drizzle) => PromiseLike<ReadonlyArray<Row>>,
          allowShared = false,
          fresh?: Seed.Fresh,
        ) =>
          Effect.gen(function* () {
            const prerequisites = fresh?.prerequisites ?? [];
            const tenantRows = prerequisites.filter((p) => tenantSet.has(p.table));
            yield* insertGlobals(prerequisites.filter((p) => !tenantSet.has(p.table)));
            // A membership is only ever its own user's: the unit acts as the user its new rows name.
            const userId = actorOf([...tenantRows.map((p) => p.row), ...(fresh === undefined ? [] : [fresh.row])]);
            return yield* asOwner(
              A,
              userId,
            )(
              Effect.gen(function* () {
                yield* TenantTx.use(async (db) => {
                  for (const prerequisite of tenantRows) {
                    await db.insert(prerequisite.table).values(prerequisite.row as Loose);
                  }
                });
                const outcome = yield* Effect.either(TenantTx.use(f));
                return yield* Effect.fail(new RolledBack(outcome));
              }),
            );
          }).pipe(
            Effect.flip,
            Effect.map((result) => (result instanceof RolledBack ? result.outcome : Either.left(result as DbError))),
            Effect.tap((outcome) => {
              if (Either.isRight(outcome)) {
                const foreign = outcome.right.filter(
                  (row) => !(row.organizationId === A || (allowShared && row.organizationId === SHARED)),
                );
                tally.leaks += foreign.length;
              }
              return assertClean(label);
            }),
          );
        const expectRows = (
          label: string,
          f: (db: Db.Drizzle) => PromiseLike<ReadonlyArray<Row>>,
          ok: (rows: ReadonlyArray<Row>) => boolean,
          allowShared = false,
          fresh?: Seed.Fresh,
        ) =>
          asA(label, f, allowShared, fresh).pipe(
            Effect.map((outcome) =>
              tally.check(label, Either.isRight(outcome) && ok(outcome.right), describeOutcome(outcome)),
            ),
          );
        const expectDenied = (
          label: string,
          f: (db: Db.Drizzle) => PromiseLike<ReadonlyArray<Row>>,
          fresh?: Seed.Fresh,
        ) =>
          asA(label, f, false, fresh).pipe(
            Effect.map((outcome) =>
              tally.check(
                label,
                Either.isLeft(outcome) && outcome.left._tag === "TenantAccessDenied",
                describeOutcome(outcome),
              ),
            ),
          );
        /** An UPDATE or DELETE aimed at rows A may not change: 0 rows, or refused outright without the grant. */
        const expectNoneChanged = (
          label: string,
          granted: boolean,
          f: (db: Db.Drizzle) => PromiseLike<ReadonlyArray<Row>>,
        ) => (granted ? expectRows(label, f, (rows) => rows.length === 0) : expectDenied(`${label} (no grant)`, f));

        for (const entry of tables) {
          const t = entry.table as Loose;
          const name = entry.name;
          if (entry.metadata.rlsPolicy === "none") {
            tally.check(
              `${name}: opted out of RLS, and its definition says so`,
              !TenantQuery.isRlsEnabled(entry.table),
            );
            continue;
          }
          tally.check(`${name}: RLS enabled`, TenantQuery.isRlsEnabled(entry.table));
          const nullable = entry.metadata.rlsPolicy === "nullable";
          const a = rowOf(A, entry.table);
          const b = rowOf(B, entry.table);
          const canUpdate = can(name, "can_update");
          const canDelete = can(name, "can_delete");
          const fresh = () => Seed.planFresh(entry, tables);

          yield* expectRows(
            `${name}: select sees A's row${nullable ? " and shared rows" : ""}, nothing of B`,
            (db) => db.select().from(t),
            (rows) =>
              rows.some((row) => row.id === a.id) &&
              rows.every((row) => row.organizationId === A || (nullable && row.organizationId === SHARED)) &&
              (!nullable || rows.some((row) => row.organizationId === SHARED)),
            nullable,
          );
          yield* expectRows(
            `${name}: select WHERE organization_id = B is empty`,
            (db) =>
              db
                .select()
                .from(t)
                .where(eq(org(entry.table), B)),
            (rows) => rows.length === 0,
          );
          yield* expectRows(
            `${name}: select B's row by id is empty`,
            (db) =>
              db
                .select()
                .from(t)
                .where(eq(idOf(entry.table), b.id)),
            (rows) => rows.length === 0,
          );
          yield* expectNoneChanged(`${name}: update WHERE organization_id = B`, canUpdate, (db) =>
            db
              .update(t)
              .set({ updatedAt: new Date() })
              .where(eq(org(entry.table), B))
              .returning(),
          );
          yield* expectNoneChanged(`${name}: update B's row by id`, canUpdate, (db) =>
            db
              .update(t)
              .set({ updatedAt: new Date() })
              .where(and(eq(org(entry.table), B), eq(idOf(entry.table), b.id)))
              .returning(),
          );
          yield* expectNoneChanged(`${name}: delete WHERE organization_id = B`, canDelete, (db) =>
            db
              .delete(t)
              .where(eq(org(entry.table), B))
              .returning(),
          );
          yield* expectNoneChanged(`${name}: delete B's row by id`, canDelete, (db) =>
            db
              .delete(t)
              .where(eq(idOf(entry.table), b.id))
              .returning(),
          );
          const forB = fresh();
          yield* expectDenied(
            `${name}: insert with B's organization`,
            (db) =>
              db
                .insert(t)
                .values({ ...forB.row, organizationId: B })
                .returning(),
            forB,
          );
          const forA = fresh();
          yield* expectRows(
            `${name}: insert without an organization gets A's`,
            (db) => db.insert(t).values(forA.row).returning(),
            (rows) => rows.length === 1 && rows[0]?.organizationId === A,
            false,
            forA,
          );
          if (canUpdate) {
            yield* expectDenied(`${name}: update moving A's row to B`, (db) =>
              db
                .update(t)
                .set({ organizationId: B })
                .where(eq(idOf(entry.table), a.id))
                .returning(),
            );
          }
          if (entry.conflictTarget !== undefined) {
            const target = entry.conflictTarget as Loose;
            const upsert = fresh();
            yield* expectDenied(
              `${name}: insert B's key ON CONFLICT DO UPDATE`,
              (db) =>
                db
                  .insert(t)
                  .values({ ...upsert.row, id: b.id, organizationId: B })
                  .onConflictDoUpdate({ target, set: { updatedAt: new Date() } })
                  .returning(),
              upsert,
            );
            const ignore = fresh();
            yield* asA(
              `${name}: insert B's key ON CONFLICT DO NOTHING`,
              (db) =>
                db
                  .insert(t)
                  .values({ ...ignore.row, id: b.id, organizationId: B })
                  .onConflictDoNothing({ target })
                  .returning(),
              false,
              ignore,
            ).pipe(
              Effect.map((outcome) =>
                tally.check(
                  `${name}: insert B's key ON CONFLICT DO NOTHING is refused or a no-op`,
                  Either.isLeft(outcome) ? outcome.left._tag === "TenantAccessDenied" : outcome.right.length === 0,
                  describeOutcome(outcome),
                ),
              ),
            );
            const sameId = fresh();
            yield* expectRows(
              `${name}: B's id under A's organization ON CONFLICT DO UPDATE returns only A's row`,
              (db) =>
                db
                  .insert(t)
                  .values({ ...sameId.row, id: b.id })
                  .onConflictDoUpdate({ target, set: { updatedAt: new Date() } })
                  .returning(),
              (rows) => rows.length === 1 && rows[0]?.organizationId === A,
              false,
              sameId,
            );
          }
          for (const reference of entry.references) {
            const parentB = rowOf(B, reference.parent);
            const pointAtB = Object.fromEntries(reference.keys.map((key) => [key, parentB.id]));
            const referencing = fresh();
            yield* expectDenied(
              `${name}: insert referencing B's ${reference.keys.join(",")}`,
              (db) =>
                db
                  .insert(t)
                  .values({ ...referencing.row, ...pointAtB })
                  .returning(),
              referencing,
            );
            if (canUpdate) {
              yield* expectDenied(`${name}: update pointing ${reference.keys.join(",")} at B's row`, (db) =>
                db
                  .update(t)
                  .set(pointAtB)
                  .where(eq(idOf(entry.table), a.id))
                  .returning(),
              );
            }
          }
          if (nullable) {
            const sharedRow = shared.get(entry.table) as Row;
            const byId = eq(idOf(entry.table), sharedRow.id);
            yield* expectRows(
              `${name}: shared row readable`,
              (db) => db.select().from(t).where(byId),
              (rows) => rows.length === 1 && rows[0]?.organizationId === SHARED,
              true,
            );
            // Every tenant reads them, not only the one the matrix runs as.
            const seenByB = yield* asOwner(B)(TenantTx.use((db) => db.select().from(t).where(byId)));
            tally.check(
              `${name}: shared row readable by B too`,
              seenByB.length === 1 && seenByB[0]?.organizationId === SHARED,
              `${seenByB.length} rows`,
            );
            yield* expectNoneChanged(`${name}: update shared rows`, canUpdate, (db) =>
              db
                .update(t)
                .set({ updatedAt: new Date() })
                .where(eq(org(entry.table), SHARED))
                .returning(),
            );
            yield* expectNoneChanged(`${name}: update the shared row by id`, canUpdate, (db) =>
              db.update(t).set({ updatedAt: new Date() }).where(byId).returning(),
            );
            yield* expectNoneChanged(`${name}: delete shared rows`, canDelete, (db) =>
              db
                .delete(t)
                .where(eq(org(entry.table), SHARED))
                .returning(),
            );
            yield* expectNoneChanged(`${name}: delete the shared row by id`, canDelete, (db) =>
              db.delete(t).where(byId).returning(),
            );
            const sharedAttempt = fresh();
            yield* expectDenied(
              `${name}: insert a shared row`,
              (db) =>
                db
                  .insert(t)
                  .values({ ...sharedAttempt.row, organizationId: SHARED })
                  .returning(),
              sharedAttempt,
            );
            if (canUpdate) {
              yield* expectDenied(`${name}: update moving A's row to the shared organization`, (db) =>
                db
                  .update(t)
                  .set({ organizationId: SHARED })
                  .where(eq(idOf(entry.table), a.id))
                  .returning(),
              );
            }
          }
        }

        // The same attacks through TenantDb.query, which COMMITs: only isolation keeps B's rows as seeded.
        const pass = new Tally();
        const { adminUrl } = yield* MigratedDatabase;
        const admin = yield* Effect.acquireRelease(
          Effect.sync(() => postgres(adminUrl, { max: 1, onnotice: () => {} })),
          (client) => Effect.promise(() => client.end()),
        );
        const othersRows = (name: string) =>
          Effect.promise(() =>
            admin.unsafe(`select * from "${name}" where organization_id = $1 or organization_id = $2 order by id`, [
              B,
              SHARED,
            ]),
          ).pipe(Effect.map((rows) => JSON.stringify(rows)));
        /** One statement as A's owner through `query`: judged by `ok`, its foreign rows counted as leaks. */
        const viaQuery = (
          label: string,
          f: (db: Db.Drizzle) => PromiseLike<ReadonlyArray<Row>>,
          ok: (outcome: Either.Either<ReadonlyArray<Row>, TenantDb.WithOrgError>) => boolean,
          { allowShared = false, userId }: { allowShared?: boolean; userId?: string | undefined } = {},
        ) =>
          Effect.either(TenantDb.query({ organizationId: A, userId, role: "owner" })(f)).pipe(
            Effect.tap((outcome) => {
              if (Either.isRight(outcome)) {
                pass.leaks += outcome.right.filter(
                  (row) => !(row.organizationId === A || (allowShared && row.organizationId === SHARED)),
                ).length;
              }
              pass.check(`query: ${label}`, ok(outcome), describeOutcome(outcome));
            }),
            Effect.zipRight(assertClean(`query: ${label}`, pass)),
          );
        const noRows = (outcome: Either.Either<ReadonlyArray<Row>, TenantDb.WithOrgError>) =>
          Either.isRight(outcome) && outcome.right.length === 0;
        const refused = (outcome: Either.Either<ReadonlyArray<Row>, TenantDb.WithOrgError>) =>
          Either.isLeft(outcome) && outcome.left._tag === "TenantAccessDenied";
        const rlsTables = tables.filter((entry) => entry.metadata.rlsPolicy !== "none");
        for (const entry of rlsTables) {
          const t = entry.table as Loose;
          const name = entry.name;
          const nullable = entry.metadata.rlsPolicy === "nullable";
          const a = rowOf(A, entry.table);
          const b = rowOf(B, entry.table);
          const othersBefore = yield* othersRows(name);
          yield* viaQuery(
            `${name}: select sees A's row${nullable ? " and shared rows" : ""}, nothing of B`,
            (db) => db.select().from(t),
            (outcome) =>
              Either.isRight(outcome) &&
              outcome.right.some((row) => row.id === a.id) &&
              outcome.right.every((row) => row.organizationId === A || (nullable && row.organizationId === SHARED)) &&
              (!nullable || outcome.right.some((row) => row.organizationId === SHARED)),
            { allowShared: nullable },
          );
          yield* viaQuery(
            `${name}: select B's row by id`,
            (db) =>
              db
                .select()
                .from(t)
                .where(eq(idOf(entry.table), b.id)),
            noRows,
          );
          // Aimed at B's row (and the shared row) by id, and at B's organization: 0 rows, or no grant at all.
          const targets: Array<readonly [string, SQL]> = [
            ["B's row by id", eq(idOf(entry.table), b.id)],
            ["WHERE organization_id = B", eq(org(entry.table), B)],
          ];
          const sharedRow = shared.get(entry.table);
          if (sharedRow !== undefined) targets.push(["the shared row by id", eq(idOf(entry.table), sharedRow.id)]);
          for (const [target, where] of targets) {
            yield* viaQuery(
              `${name}: update ${target}`,
              (db) => db.update(t).set({ updatedAt: new Date() }).where(where).returning(),
              can(name, "can_update") ? noRows : refused,
            );
            yield* viaQuery(
              `${name}: delete ${target}`,
              (db) => db.delete(t).where(where).returning(),
              can(name, "can_delete") ? noRows : refused,
            );
          }
          // A row valid for B (B's parents, new global rows): nothing but isolation stands in its way.
          const forB = Seed.planRow(entry, seeded.get(B) as Map<PgTable, Row>);
          yield* insertGlobals(forB.globals);
          yield* viaQuery(
            `${name}: insert naming B's organization`,
            (db) =>
              db
                .insert(t)
                .values({ ...forB.row, organizationId: B })
                .returning(),
            refused,
            { userId: actorOf([forB.row]) },
          );
          pass.check(
            `query: ${name}: B's and the shared rows as seeded, nothing written`,
            (yield* othersRows(name)) === othersBefore,
          );
        }
        console.log(
          `query pass: ${rlsTables.length} tables, ${pass.cases} cases, ${pass.leaks} leaks, ${pass.failures.length} failures`,
        );
        assert.deepStrictEqual(pass.failures, []);
        assert.strictEqual(pass.leaks, 0);
        // Every case ran and was judged: per table 2 reads, 4 writes (2 more with a shared row) and 1 insert, each
        // with its clean connection, and the rows compared.
        assert.strictEqual(pass.cases, rlsTables.length * 15 + shared.size * 4);

        // No context, an empty one, or a malformed one: what the runtime never sends, tried on a raw connection.
        const mock = drizzle.mock() as Loose;
        const raw = yield* Effect.acquireRelease(
          Effect.sync(() => postgres(appUrl, { max: 1, onnotice: () => {} })),
          (client) => Effect.promise(() => client.end()),
        );
        const contexts: ReadonlyArray<string | undefined> = [undefined, "", "not-an-org", "x'; select 1; --"];
        for (const context of contexts) {
          const shown = context === undefined ? "no context" : `context ${JSON.stringify(context)}`;
          type Statement = { sql: string; params: Array<unknown> };
          /** Statements in one transaction with this context; all but the last must succeed. */
          const attempt = (...statements: ReadonlyArray<Statement>) =>
            Effect.promise(() =>
              raw
                .begin(async (tx) => {
                  if (context !== undefined) await tx`select set_config('beep.context', ${context}, true)`;
                  let rows: ReadonlyArray<Record<string, unknown>> = [];
                  for (const statement of statements)
                    rows = await tx.unsafe(statement.sql, statement.params as Array<never>);
                  return rows;
                })
                .then(
                  (rows) => ({ ok: true as const, rows: [...rows] }),
                  (error: unknown) => ({ ok: false as const, error: DbErrors.fromCause(error) }),
                ),
            );
          /** Refused for want of a tenant: RLS, a missing organization, or an organization that does not exist. */
          const refusedForTenant = (outcome: { ok: boolean; error?: DbError }) =>
            !outcome.ok &&
            (outcome.error?._tag === "TenantContextMissing" ||
              (outcome.error?._tag === "TenantAccessDenied" &&
                (outcome.error.code === "42501" || (outcome.error.constraint ?? "").includes("organization_id"))));
          for (const entry of tables.filter((t) => t.metadata.rlsPolicy !== "none")) {
            const t = entry.table as Loose;
            const name = entry.name;
            const read = yield* attempt(mock.select().from(t).toSQL());
            const tenantRows = read.ok ? read.rows.filter((row) => row.organization_id !== SHARED) : [];
            tally.leaks += tenantRows.length;
            tally.check(`${name}, ${shown}: no tenant rows`, read.ok && tenantRows.length === 0);
            for (const [what, organizationId] of [
              ["insert for A", A],
              ["insert without organization", undefined],
            ] as const) {
              const planned = Seed.planRow(entry, seeded.get(A) as Map<PgTable, Row>);
              yield* insertGlobals(planned.globals);
              const values = organizationId === undefined ? planned.row : { ...planned.row, organizationId };
              const outcome = yield* attempt(mock.insert(t).values(values).returning().toSQL());
              tally.check(
                `${name}, ${shown}: ${what} is refused for want of a tenant`,
                refusedForTenant(outcome),
                outcome.ok ? "succeeded" : `${outcome.error._tag} ${outcome.error.message}`,
              );
            }
            for (const [what, statement] of [
              ["update", mock.update(t).set({ updatedAt: new Date() }).returning().toSQL()],
              ["delete", mock.delete(t).returning().toSQL()],
            ] as const) {
              const outcome = yield* attempt(statement);
              const changed = outcome.ok ? outcome.rows.length : 0;
              tally.leaks += changed;
              tally.check(`${name}, ${shown}: ${what} changes nothing`, changed === 0);
            }
          }
        }

        const after = yield* snapshot;
        tally.check("B's rows and the shared rows are exactly as seeded", after === before);
        // The runtime accepted A's inserts (and ON CONFLICT) as A's and nothing else.
        const countsA = yield* asOwner(A)(
          Effect.forEach(tables, (entry) =>
            TenantQuery.select(entry.table as TenantQuery.AnyOrgTable).pipe(Effect.map((rows) => rows.length)),
          ),
        );
        tally.check(
          "A's own rows are all visible to A",
          countsA.every((n) => n >= 1),
        );

        console.log(
          `isolation matrix: ${tables.length} tables, ${tally.cases} cases, ${tally.leaks} leaks, ${tally.failures.length} failures`,
        );
        assert.deepStrictEqual(tally.failures, []);
        assert.strictEqual(tally.leaks, 0);
        assert.isAtLeast(tally.cases, tables.length * 20);
        assert.strictEqual(
          tables.length,
          Registry.tenantTables.length,
          "every tenant table of the registry is covered",
        );
      }).pipe(Effect.scoped),
    );

    it.effect("as beep_app, writes to the global tables keep to their policies and grants, in every context", () =>
      Effect.gen(function* () {
        const { appUrl } = yield* MigratedDatabase;
        const a = yield* Organizations.create({ name: "A", owner: owner("a") });
        const b = yield* Organizations.create({ name: "B", owner: owner("b") });
        const fixture = { A: a.organizationId, B: b.organizationId, ownerA: a.ownerId, ownerB: b.ownerId };
        const client = yield* rawClient(appUrl);
        // Meaningless as a role that bypasses RLS or owns the tables: check who the statements run as.
        const [who] = yield* Effect.promise(
          () => client`select current_user as role, r.rolsuper as super, r.rolbypassrls as bypass,
            exists (select 1 from pg_class c where c.relname in ('shared_user', 'shared_organization')
              and pg_has_role(current_user, c.relowner, 'USAGE')) as owns
            from pg_roles r where r.rolname = current_user`,
        );
        assert.deepStrictEqual(who, { role: "beep_app", super: false, bypass: false, owns: false });
        const snapshot = withAdmin(async (admin) =>
          JSON.stringify([
            await admin`select * from shared_organization order by id`,
            await admin`select * from shared_user order by id`,
          ]),
        );
        const before = yield* snapshot;
        const failures: Array<string> = [];
        let escalations = 0;
        const all = GlobalWrites.cases(fixture, client);
        for (const entry of all) {
          const outcome = yield* entry.run(entry.statement);
          const verdict = GlobalWrites.judge(entry.expected, outcome);
          escalations += verdict.escalations;
          if (!verdict.ok) {
            failures.push(
              `${entry.label}: expected ${entry.expected._tag}, got ${GlobalWrites.describeOutcome(outcome)}`,
            );
          }
        }
        console.log(`global writes: ${all.length} cases, ${escalations} escalations, ${failures.length} failures`);
        assert.deepStrictEqual(failures, []);
        assert.strictEqual(escalations, 0);
        assert.strictEqual(yield* snapshot, before, "every unit was rolled back");
      }).pipe(Effect.scoped),
    );
  });

describe("isolation matrix, generated from Registry.tenantTables", () => matrix(runtime({ poolMax: 1 }), true));

Testkit.describeWithPgBouncer("isolation matrix, through PgBouncer in transaction mode", (bouncer) =>
  matrix(runtimeThrough(bouncer, { poolMax: 1 }), false),
);

Testkit.describeWithCitus("isolation matrix, on a Citus cluster through the coordinator", (citus) =>
  matrix(runtimeOnCitus(citus, { poolMax: 1 }), false),
);
