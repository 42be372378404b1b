import { document } from "@beep/documents-tables/schema";
import { assert, describe, expectTypeOf, it } from "@effect/vitest";
import { Effect } from "effect";
import * as SystemDb from "../src/SystemDb.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import type * as TenantTx from "../src/TenantTx.ts";

// A repository function: it touches a tenant table, so it requires TenantTx.
const listDocuments = TenantQuery.select(document);

describe("the tenant is part of the type", () => {
  it("a repository function requires TenantTx, and only withOrg removes the requirement", () => {
    expectTypeOf<Effect.Effect.Context<typeof listDocuments>>().toEqualTypeOf<TenantTx.TenantTx>();
    const runWithoutTenant = () =>
      // @ts-expect-error TenantTx is missing: only TenantDb.withOrg provides it.
      Effect.runPromise(listDocuments);
    assert.isFunction(runWithoutTenant);

    const scoped = TenantDb.withOrg("shared_organization__any")(listDocuments);
    expectTypeOf<Effect.Effect.Context<typeof scoped>>().toEqualTypeOf<TenantDb.TenantDb>();
  });

  it("the tenant transaction exposes no way to the system role", () => {
    expectTypeOf<keyof TenantTx.TenantTxShape>().toEqualTypeOf<
      "organizationId" | "userId" | "role" | "db" | "last" | "assumeRole" | "assumeHeldRole" | "heldRole" | "resigning"
    >();
    const system = SystemDb.transaction(SystemDb.use((db) => db.select().from(document)));
    expectTypeOf<Effect.Effect.Context<typeof system>>().toEqualTypeOf<SystemDb.SystemDb>();
    // System work inside a tenant unit of work still needs SystemTx: withOrg does not provide it.
    const crossing = TenantDb.withOrg("x")(SystemDb.use((db) => db.select().from(document)));
    expectTypeOf<Effect.Effect.Context<typeof crossing>>().toEqualTypeOf<TenantDb.TenantDb | SystemDb.SystemTx>();
  });
});
