import { discussion, document } from "@beep/documents-tables/schema";
import type { SharedEntityIds } from "@beep/shared-domain";
import { SharedTables } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { assert, describe, layer } from "@effect/vitest";
import { and, eq, ne } from "drizzle-orm";
import { Effect } from "effect";
import * as Db from "../src/Db.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { runtime, runtimeOnCitus, runtimeThrough, withAdmin } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import { asOwner } from "./internal/Tenant.ts";

const ORGANIZATIONS = 20;
const CONCURRENCY = 200;
const SEEDED_PER_ORG = 5;

interface Load {
  readonly units: number;
  readonly pool: number;
  readonly runtime: ReturnType<typeof runtime>;
  /** The test's deadline; default 180 s. */
  readonly timeoutMs?: number;
}

/** `units` units of work, 200 at a time, over 20 organizations: every row seen is the unit's own. */
const underLoad = ({ units: UNITS, pool: POOL, runtime: runtimeLayer, timeoutMs = 180_000 }: Load) =>
  layer(runtimeLayer, { excludeTestServices: true })((it) => {
    it.effect(
      `${UNITS} units of work, ${CONCURRENCY} at a time, ${ORGANIZATIONS} organizations, pool of ${POOL}`,
      () =>
        Effect.gen(function* () {
          const orgs = yield* Effect.forEach(
            Array.from({ length: ORGANIZATIONS }, (_, i) => i),
            (i) =>
              Organizations.create({ name: `load ${i}`, owner: { email: `load-${i}@example.com`, name: `o${i}` } }),
            { concurrency: 4 },
          ).pipe(Effect.map((created) => created.map((c) => c.organizationId)));
          yield* Effect.forEach(
            orgs,
            (org) =>
              asOwner(org)(
                TenantTx.use((db) =>
                  db
                    .insert(document)
                    .values(Array.from({ length: SEEDED_PER_ORG }, (_, i) => ({ title: `seed ${i}` }))),
                ),
              ),
            { concurrency: 4 },
          );

          let operations = 0;
          let rowsSeen = 0;
          let leaks = 0;
          const see = (org: string, rows: ReadonlyArray<{ organizationId: string | null }>) => {
            operations += 1;
            rowsSeen += rows.length;
            leaks += rows.filter((row) => row.organizationId !== org).length;
            return rows;
          };
          const started = performance.now();
          // Ten statements per unit, pipelined in three rounds: reads, writes, and reads and writes aimed at other organizations.
          const unit = (i: number) => {
            const org = orgs[i % ORGANIZATIONS] as SharedEntityIds.OrganizationId;
            const other = orgs[(i + 1) % ORGANIZATIONS] as SharedEntityIds.OrganizationId;
            return asOwner(org)(
              TenantTx.use(async (db) => {
                const [tenants, all, foreign, [created]] = await Promise.all([
                  db.select().from(SharedTables.organization),
                  db.select().from(document),
                  db.select().from(document).where(eq(document.organizationId, other)),
                  db
                    .insert(document)
                    .values({ title: `unit ${i}` })
                    .returning(),
                ]);
                see(
                  org,
                  tenants.map((tenant) => ({ organizationId: tenant.id })),
                );
                see(org, all);
                see(org, foreign);
                see(org, created === undefined ? [] : [created]);
                if (created === undefined) throw new Error("insert returned nothing");
                const [updated, byId, stolen, [thread]] = await Promise.all([
                  db.update(document).set({ status: "published" }).where(eq(document.id, created.id)).returning(),
                  db.select().from(document).where(eq(document.id, created.id)),
                  db.update(document).set({ title: "stolen" }).where(ne(document.organizationId, org)).returning(),
                  db
                    .insert(discussion)
                    .values({ documentId: created.id, title: `thread ${i}` })
                    .returning(),
                ]);
                see(org, updated);
                see(org, byId);
                see(org, stolen);
                see(org, thread === undefined ? [] : [thread]);
                const [threads, removed] = await Promise.all([
                  db.select().from(discussion).where(eq(discussion.documentId, created.id)),
                  db
                    .delete(discussion)
                    .where(and(eq(discussion.documentId, created.id), eq(discussion.organizationId, org)))
                    .returning(),
                ]);
                see(org, threads);
                see(org, removed);
              }),
            );
          };
          yield* Effect.forEach(
            Array.from({ length: UNITS }, (_, i) => i),
            unit,
            { concurrency: CONCURRENCY, discard: true },
          );
          const seconds = (performance.now() - started) / 1000;
          console.log(
            `concurrency: ${operations} operations in ${UNITS} units of work (${CONCURRENCY} concurrent, ${ORGANIZATIONS} organizations, pool ${POOL}), ${rowsSeen} rows returned, ${leaks} leaks found, ${seconds.toFixed(1)} s`,
          );

          // Every write landed in its own organization: seeds plus one document per unit, no thread left.
          const counts = yield* withAdmin(
            (admin) => admin`select organization_id, count(*)::int as n,
            count(*) filter (where title = 'stolen')::int as stolen from documents_document group by 1`,
          );
          const perOrg = UNITS / ORGANIZATIONS;
          for (const org of orgs) {
            const row = counts.find((c) => c.organization_id === org);
            assert.strictEqual(row?.n, SEEDED_PER_ORG + perOrg, `documents of ${org}`);
            assert.strictEqual(row?.stolen, 0);
          }
          const threads = yield* withAdmin((admin) => admin`select count(*)::int as n from documents_discussion`);
          assert.strictEqual(threads[0]?.n, 0);

          // Every pooled connection is back without a context.
          const settings = yield* Effect.flatMap(Db.Db, ({ sql }) =>
            Effect.promise(async () => {
              const reserved = await Promise.all(Array.from({ length: POOL }, () => sql.reserve()));
              try {
                return await Promise.all(
                  reserved.map(async (connection) => {
                    const [row] = await connection`select current_setting('beep.context', true) as setting`;
                    return row?.setting as string | null;
                  }),
                );
              } finally {
                for (const connection of reserved) connection.release();
              }
            }),
          );
          assert.lengthOf(settings, POOL);
          assert.isTrue(settings.every((setting) => setting === "" || setting === null));
          assert.isAtLeast(operations, UNITS * 10);
          assert.strictEqual(leaks, 0);
        }),
      // Through the bouncer each statement is unnamed (parse, bind, execute every time): about 30 s here alone.
      timeoutMs,
    );
  });

describe("under load", () => underLoad({ units: 2_000, pool: 8, runtime: runtime({ poolMax: 8 }) }));

// More client connections than PgBouncer's server pool (default_pool_size 20), in transaction mode.
Testkit.describeWithPgBouncer("under load, through PgBouncer in transaction mode", (bouncer) =>
  underLoad({ units: 5_000, pool: 40, runtime: runtimeThrough(bouncer, { poolMax: 40 }) }),
);

// Through the coordinator: every unit's context must reach the worker that holds its organization's shard.
Testkit.describeWithCitus("under load, on a Citus cluster through the coordinator", (citus) =>
  // Two of a unit's statements run on every shard (the read of all documents, the update aimed at other
  // organizations): about 40 ms a unit on two cores, so a unit queued behind 180 others waits longer than the
  // default 10 s for a connection. The wait is what this run measures least; it is given room, not removed.
  underLoad({
    units: 2_000,
    pool: 20,
    runtime: runtimeOnCitus(citus, { poolMax: 20, acquireTimeoutMs: 120_000 }),
    timeoutMs: 360_000,
  }),
);
