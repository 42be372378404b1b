import { DocumentsEntityIds } from "@beep/documents-tables";
import { document } from "@beep/documents-tables/schema";
import { Testkit } from "@beep/testkit";
import { assert, layer } from "@effect/vitest";
import { and, eq, sql } from "drizzle-orm";
import { Effect } from "effect";
import * as Db from "../src/Db.ts";
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
  }),
);
