import { document } from "@beep/documents-tables/schema";
import { SharedEntityIds } from "@beep/shared-domain";
import { TenantContext } from "@beep/shared-tables";
import { EmbeddedPostgres, Testkit } from "@beep/testkit";
import { assert, describe, it, layer } from "@effect/vitest";
import { Effect, Layer } from "effect";
import * as Db from "../src/Db.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import { runtime, runtimeOnCitus, withAdmin } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import { asOwner } from "./internal/Tenant.ts";

const valid = SharedEntityIds.OrganizationId.create();
const uuid = valid.slice("shared_organization__".length);
/** `TenantContext.SHARED_ORGANIZATION_ID` (shared-tables' OrgTable.test checks the value): well formed, and no tenant. */
const sharedOrganization = "shared_organization__00000000-0000-7000-8000-000000000000";

/** Organization ids a caller might pass by mistake or on purpose. */
const BAD_IDS: ReadonlyArray<readonly [string, string]> = [
  ["empty", ""],
  ["quote", `${valid}'`],
  ["sql in quotes", `shared_organization__'; drop table documents_document; --`],
  ["semicolon", `${valid};select 1`],
  ["NUL inside", `${valid}\u0000`],
  ["NUL only", "\u0000"],
  ["unicode look-alike", valid.replace("a", "\u0430")],
  ["emoji", `shared_organization__\u{1F600}`],
  ["10 kB", `${valid}${"x".repeat(10_240)}`],
  ["10 kB of quotes", "'".repeat(10_240)],
  ["wrong prefix", `shared_user__${uuid}`],
  ["no prefix", uuid],
  ["uuid v4", `shared_organization__${uuid.slice(0, 14)}4${uuid.slice(15)}`],
  ["upper case", valid.toUpperCase()],
  ["leading space", ` ${valid}`],
  ["trailing newline", `${valid}\n`],
  ["percent wildcard", "shared_organization__%"],
  // Well-formed, but the owner of the shared rows: no tenant runs as it.
  ["the shared organization", sharedOrganization],
];

const unit = (id: string) => asOwner(id)(TenantQuery.insert(document, { title: "should-never-exist" }));

/** The ids above that carry a character outside letters, digits and `_:.-` (quotes, NUL, spaces, unicode, %). */
const UNSAFE_IDS = BAD_IDS.filter(([, id]) => !/^[A-Za-z0-9_:.-]*$/.test(id));

describe("bad organization ids", () => {
  it.effect("the shared organization is refused as a tenant, by name", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(TenantDb.parseOrganizationId(sharedOrganization));
      assert.strictEqual(error._tag, "InvalidOrganizationId");
      assert.strictEqual(error.reason, TenantDb.SHARED_ORGANIZATION_REFUSED);
      assert.strictEqual(
        yield* TenantDb.parseOrganizationId(SharedEntityIds.OrganizationId.create()).pipe(Effect.map(() => "accepted")),
        "accepted",
      );
    }),
  );

  it.effect("are rejected before any SQL: a pool pointing at a closed port still says InvalidOrganizationId", () =>
    Effect.gen(function* () {
      const port = yield* Effect.promise(() => EmbeddedPostgres.freePort());
      const nowhere = TenantDb.layerWithKey("a-key-for-a-server-that-is-not-there").pipe(
        Layer.provideMerge(
          Db.layerFromUrl(`postgres://beep_app:x@127.0.0.1:${port}/none`, { connectTimeoutSeconds: 2 }),
        ),
      );
      const outcomes = yield* Effect.forEach(BAD_IDS, ([label, id]) =>
        Effect.flip(unit(id)).pipe(Effect.map((error) => [label, error._tag] as const)),
      ).pipe(Effect.provide(nowhere));
      assert.deepStrictEqual(
        outcomes.filter(([, tag]) => tag !== "InvalidOrganizationId"),
        [],
      );
      // The same pool with a valid id does try the network, and fails as unavailable.
      const reached = yield* Effect.flip(unit(valid)).pipe(Effect.provide(nowhere));
      assert.strictEqual(reached._tag, "DatabaseUnavailable");
      console.log(`bad input: ${BAD_IDS.length} malformed ids rejected before SQL, 0 reached the database`);
    }),
  );

  againstDatabase(runtime());
});

Testkit.describeWithCitus("bad organization ids, on a Citus cluster", (citus) => {
  againstDatabase(runtimeOnCitus(citus));
  it("the ticket reaches SQL only as a literal of safe characters", () => {
    const ticket = "v1:shared_organization__01a23600-0000-7000-8000-00000000000a:::0000001767225600000:ab12";
    assert.strictEqual(TenantContext.citusContextSql(ticket), `SET LOCAL beep.context TO '${ticket}'`);
    assert.isAtLeast(UNSAFE_IDS.length, 9);
    for (const [label, id] of UNSAFE_IDS) assert.isUndefined(TenantContext.citusContextSql(`v1:${id}:::0:ab`), label);
  });
});

function againstDatabase(runtimeLayer: ReturnType<typeof runtime>) {
  layer(runtimeLayer)((it) => {
    it.effect("are rejected against a real database too, and nothing is written", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({
          name: "Real",
          owner: { email: "real@example.com", name: "r" },
        });
        const count = withAdmin((admin) => admin`select count(*)::int as n from documents_document`).pipe(
          Effect.map((rows) => rows[0]?.n as number),
        );
        const before = yield* count;
        for (const [label, id] of BAD_IDS) {
          const error = yield* Effect.flip(unit(id));
          assert.strictEqual(error._tag, "InvalidOrganizationId", label);
          assert.isAtMost(error.message.length, 200, `${label}: the error message stays short`);
        }
        assert.strictEqual(yield* count, before);
        yield* unit(organizationId);
        assert.strictEqual(yield* count, before + 1);
      }),
    );

    it.effect("bad organization input is a typed error and writes nothing", () =>
      Effect.gen(function* () {
        const organizations = withAdmin((admin) => admin`select count(*)::int as n from shared_organization`).pipe(
          Effect.map((rows) => rows[0]?.n as number),
        );
        const before = yield* organizations;
        for (const input of [
          { name: "", owner: { email: "a@example.com", name: "a" } },
          { name: "x", owner: { email: "not-an-email", name: "a" } },
          { name: "x", owner: { email: "b@example.com", name: "   " } },
          { name: "x".repeat(500), owner: { email: "c@example.com", name: "c" } },
        ]) {
          const error = yield* Effect.flip(Organizations.create(input));
          assert.strictEqual(error._tag, "InvalidOrganizationInput");
        }
        assert.strictEqual(yield* organizations, before);
      }),
    );
  });
}
