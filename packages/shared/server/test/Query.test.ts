import { document } from "@beep/documents-tables/schema";
import { SharedEntityIds } from "@beep/shared-domain";
import { assert, describe, it } from "@effect/vitest";
import { eq, sql } from "drizzle-orm";
import { Effect, Layer } from "effect";
import * as Db from "../src/Db.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { countDocuments, owner, poolState } from "./internal/Inspect.ts";
import { MigratedDatabase, runtime, throughProxy } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import { asOwner } from "./internal/Tenant.ts";

const asOwnerQuery = (organizationId: string) => TenantDb.query({ organizationId, role: "owner" });

describe("TenantDb.query: one statement, one round trip", () => {
  it.layer(runtime({ poolMax: 1 }))((it) => {
    it.effect("commits the statement and leaves the connection with no context", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Query", owner: owner("q") });
        const { pid } = yield* poolState;
        const inserted = yield* asOwnerQuery(organizationId)((db) =>
          db.insert(document).values({ organizationId, title: "query-commit" }).returning(),
        );
        assert.deepStrictEqual(
          inserted.map((row) => [row.title, row.organizationId]),
          [["query-commit", organizationId]],
        );
        assert.strictEqual(yield* countDocuments("query-commit"), 1);
        const after = yield* poolState;
        assert.strictEqual(after.pid, pid);
        assert.include(["", null], after.setting);
        const read = yield* asOwnerQuery(organizationId)((db) =>
          db.select().from(document).where(eq(document.title, "query-commit")),
        );
        assert.lengthOf(read, 1);
      }),
    );

    it.effect("a failed statement rolls back, fails typed, and the same connection serves the next unit", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "QueryFail", owner: owner("qf") });
        const [first] = yield* asOwnerQuery(organizationId)((db) =>
          db.insert(document).values({ organizationId, title: "query-once" }).returning(),
        );
        const { pid } = yield* poolState;
        const error = yield* Effect.flip(
          asOwnerQuery(organizationId)((db) =>
            db.insert(document).values({ organizationId, id: first?.id, title: "query-twice" }).returning(),
          ),
        );
        assert.strictEqual(error._tag, "UniqueViolation");
        assert.strictEqual(yield* countDocuments("query-twice"), 0);
        const after = yield* poolState;
        assert.strictEqual(after.pid, pid);
        assert.include(["", null], after.setting);
        const rows = yield* asOwnerQuery(organizationId)((db) => db.select().from(document));
        assert.deepStrictEqual(
          rows.map((row) => row.title),
          ["query-once"],
        );
      }),
    );

    it.effect("refuses a statement that touches the tenant setting, before it is sent", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "QuerySetter", owner: owner("qs") });
        const other = SharedEntityIds.OrganizationId.create();
        const error = yield* Effect.flip(
          asOwnerQuery(organizationId)((db) => db.execute(sql`select set_config('beep.context', ${other}, false)`)),
        );
        assert.strictEqual(error._tag, "TenantAccessDenied");
        assert.include(["", null], (yield* poolState).setting);
      }),
    );

    it.effect("bad ids fail before any SQL; inside a unit of the same scope it joins that unit", () =>
      Effect.gen(function* () {
        const bad = yield* Effect.flip(asOwnerQuery("not-an-id")((db) => db.select().from(document)));
        assert.strictEqual(bad._tag, "InvalidOrganizationId");
        const { organizationId } = yield* Organizations.create({ name: "QueryJoin", owner: owner("qj") });
        const txid = (db: Db.Drizzle) => db.execute(sql`select txid_current()::text as id`);
        const [outer, inner] = yield* asOwner(organizationId)(
          Effect.all([
            TenantTx.use(txid),
            // Sees the outer unit's uncommitted row: the same transaction.
            asOwnerQuery(organizationId)(txid),
          ]),
        );
        assert.strictEqual(String(inner[0]?.id), String(outer[0]?.id));
      }),
    );
  });

  it.layer(runtime())((it) => {
    it.effect("takes one round trip (withContext takes two)", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "QueryTrip", owner: owner("qt") });
        const { proxy, tenant } = yield* throughProxy();
        const read = asOwnerQuery(organizationId)((db) =>
          db.select().from(document).where(eq(document.title, "nothing-here")),
        );
        const flights = yield* Effect.gen(function* () {
          // The first run on a connection prepares its statements; later runs reuse them.
          yield* read;
          proxy.reset();
          const rows = yield* read;
          assert.lengthOf(rows, 0);
          return proxy.flights();
        }).pipe(Effect.provide(tenant));
        console.log(`query: one-statement unit of work took ${flights} round trip(s)`);
        assert.strictEqual(flights, 1);
      }).pipe(Effect.scoped),
    );

    it.effect("a context the database refuses (another key) fails typed, and nothing was written", () =>
      Effect.gen(function* () {
        const { appUrl } = yield* MigratedDatabase;
        const { organizationId } = yield* Organizations.create({ name: "QueryKey", owner: owner("qk") });
        const error = yield* Effect.flip(
          asOwnerQuery(organizationId)((db) =>
            db.insert(document).values({ organizationId, title: "query-wrong-key" }).returning(),
          ).pipe(
            Effect.provide(
              TenantDb.layerWithKey("another-key-another-key-another-key-0").pipe(
                Layer.provide(Db.layerFromUrl(appUrl, { poolMax: 1 })),
              ),
            ),
          ),
        );
        assert.strictEqual(error._tag, "TenantContextMissing");
        assert.strictEqual(yield* countDocuments("query-wrong-key"), 0);
      }),
    );
  });
});
