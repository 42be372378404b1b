import { document } from "@beep/documents-tables/schema";
import { assert, describe, it } from "@effect/vitest";
import { eq, sql } from "drizzle-orm";
import { Effect } from "effect";
import * as DbErrors from "../src/DbErrors.ts";
import * as Prepared from "../src/Prepared.ts";
import * as TenantDb from "../src/TenantDb.ts";
import { runtime } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import { asOwner } from "./internal/Tenant.ts";

const owner = (tag: string) => ({ email: `${tag}-${Math.random().toString(36).slice(2)}@example.com`, name: tag });

// Built once, at module level, as product code would.
const byTitle = Prepared.make(["title"], (db, { title }) =>
  db.select().from(document).where(eq(document.title, title)),
);
const touchesContext = Prepared.make(["value"], (db, { value }) =>
  db.select({ set: sql<string>`set_config('beep.context', ${value}, false)` }).from(document),
);

describe("Prepared: a statement built once, run in any unit of work", () => {
  it("names its placeholders: a value missing or misspelt, or a name the query does not declare, does not compile", () => {
    assert.deepStrictEqual(byTitle.placeholders, ["title"]);
    // Never called: each line is here for the compiler, which fails the check task if one compiles.
    const unused = [
      // @ts-expect-error "titel" is not a placeholder of byTitle
      () => Prepared.run(byTitle, { titel: "x" }),
      // @ts-expect-error byTitle needs its title
      () => Prepared.run(byTitle),
      () =>
        Prepared.make(["title"], (db, placeholders) =>
          // @ts-expect-error the query declares "title" only
          db.select().from(document).where(eq(document.title, placeholders.titel)),
        ),
    ];
    assert.lengthOf(unused, 3);
  });

  it.layer(runtime({ poolMax: 2 }))((it) => {
    it.effect("runs in withContext and in TenantDb.query, with Drizzle's rows and the tenant's policies", () =>
      Effect.gen(function* () {
        const [a, b] = yield* Effect.all(
          ["PreparedA", "PreparedB"].map((name) => Organizations.create({ name, owner: owner(name) })),
        );
        assert.isDefined(a);
        assert.isDefined(b);
        const orgA = (a as NonNullable<typeof a>).organizationId;
        const orgB = (b as NonNullable<typeof b>).organizationId;
        yield* TenantDb.query({ organizationId: orgA, role: "owner" })((db) =>
          db.insert(document).values({ organizationId: orgA, title: "prepared-a" }),
        );
        const inUnit = yield* asOwner(orgA)(Prepared.execute(byTitle, { title: "prepared-a" }));
        assert.deepStrictEqual(
          inUnit.map((row) => [row.title, row.organizationId]),
          [["prepared-a", orgA]],
        );
        // Drizzle's mapping holds: camelCase fields, timestamps as dates.
        assert.instanceOf(inUnit[0]?.createdAt, Date);
        const inQuery = yield* TenantDb.query({ organizationId: orgA, role: "owner" })(
          Prepared.run(byTitle, { title: "prepared-a" }),
        );
        assert.lengthOf(inQuery, 1);
        const asOther = yield* TenantDb.query({ organizationId: orgB, role: "owner" })(
          Prepared.run(byTitle, { title: "prepared-a" }),
        );
        assert.lengthOf(asOther, 0);
      }),
    );

    it.effect("outside a unit of work it is refused; the unit's checks apply to it", () =>
      Effect.gen(function* () {
        const outside = yield* Effect.flip(Effect.tryPromise(() => byTitle.statement.execute({ title: "x" })));
        const error = DbErrors.fromCause(outside.error);
        assert.strictEqual(error._tag, "TenantContextMissing");
        assert.include(error.message, "outside its unit of work");
        const { organizationId } = yield* Organizations.create({ name: "PreparedSet", owner: owner("ps") });
        const refused = yield* Effect.flip(asOwner(organizationId)(Prepared.execute(touchesContext, { value: "x" })));
        assert.strictEqual(refused._tag, "TenantAccessDenied");
      }),
    );
  });
});
