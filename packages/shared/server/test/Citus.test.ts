import { DocumentsEntityIds } from "@beep/documents-tables";
import { document } from "@beep/documents-tables/schema";
import { Testkit } from "@beep/testkit";
import { assert, layer } from "@effect/vitest";
import { and, eq, sql } from "drizzle-orm";
import { Effect } from "effect";
import * as Db from "../src/Db.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { runtimeOnCitus } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import { asOwner } from "./internal/Tenant.ts";

const planOf = (rows: ReadonlyArray<Record<string, unknown>>) =>
  rows.map((row) => String(row["QUERY PLAN"])).join("\n");

Testkit.describeWithCitus("the runtime on a Citus cluster", (citus) =>
  layer(runtimeOnCitus(citus))((it) => {
    it.effect("finds the engine itself, and a tenant's point read is a router query (one task, one shard)", () =>
      Effect.gen(function* () {
        assert.strictEqual(yield* Effect.flatMap(Db.Db, (db) => db.engine), "citus");
        const { organizationId } = yield* Organizations.create({
          name: "Routed",
          owner: { email: "routed@example.com", name: "r" },
        });
        const plan = yield* asOwner(organizationId)(
          Effect.gen(function* () {
            const [row] = yield* TenantQuery.insert(document, { title: "routed" });
            assert.isDefined(row);
            const id = row?.id ?? DocumentsEntityIds.DocumentId.create();
            const found = yield* TenantQuery.select(document, eq(document.id, id));
            assert.deepStrictEqual(
              found.map((doc) => doc.title),
              ["routed"],
            );
            return yield* TenantTx.use((db) =>
              db.execute(
                sql`explain ${db
                  .select()
                  .from(document)
                  .where(and(eq(document.organizationId, organizationId), eq(document.id, id)))}`,
              ),
            );
          }),
        );
        assert.match(planOf(plan), /Task Count: 1\b/);
      }),
    );

    it.effect("TenantDb.query in one round trip: the workers get the context, another tenant sees nothing", () =>
      Effect.gen(function* () {
        const [a, b] = yield* Effect.all(
          ["QueryA", "QueryB"].map((name) =>
            Organizations.create({ name, owner: { email: `${name.toLowerCase()}@example.com`, name } }),
          ),
        );
        const asA = TenantDb.query({ organizationId: a?.organizationId ?? "", role: "owner" });
        const asB = TenantDb.query({ organizationId: b?.organizationId ?? "", role: "owner" });
        const [row] = yield* asA((db) =>
          db
            .insert(document)
            .values({ organizationId: a?.organizationId as never, title: "on-citus" })
            .returning(),
        );
        const id = row?.id ?? DocumentsEntityIds.DocumentId.create();
        const mine = yield* asA((db) => db.select().from(document).where(eq(document.id, id)));
        const theirs = yield* asB((db) => db.select().from(document).where(eq(document.id, id)));
        assert.deepStrictEqual(
          mine.map((doc) => doc.title),
          ["on-citus"],
        );
        assert.lengthOf(theirs, 0);
      }),
    );
  }),
);
