import { member } from "@beep/iam-tables/schema";
import { SharedTables } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { runtime, withAdmin } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";

describe("Organizations.create", () => {
  it.layer(runtime())((it) => {
    it.effect("creates the organization, its owner and the owner membership as beep_app", () =>
      Effect.gen(function* () {
        const created = yield* Organizations.create({
          name: "Initech",
          owner: { email: "peter@initech.example", name: "Peter" },
        });
        const stored = yield* withAdmin(
          (admin) => admin`select o.name, u.email, m.role, m.organization_id = o.id as same_org
            from shared_organization o join iam_member m on m.organization_id = o.id
            join shared_user u on u.id = m.user_id where o.id = ${created.organizationId}`,
        );
        assert.deepStrictEqual(
          stored.map((row) => ({ ...row })),
          [{ name: "Initech", email: "peter@initech.example", role: "owner", same_org: true }],
        );
        const inOrganization = Effect.all({
          users: TenantTx.use((db) => db.select().from(SharedTables.user)),
          members: TenantQuery.select(member),
        });
        // The organization sees its owner's profile on the membership; the user row is the user's own.
        const asTenant = yield* TenantDb.withContext({ organizationId: created.organizationId, role: "owner" })(
          inOrganization,
        );
        assert.deepStrictEqual(asTenant.users, []);
        assert.deepStrictEqual(
          asTenant.members.map((row) => [row.id, row.role, row.email, row.name]),
          [[created.membershipId, "owner", "peter@initech.example", "Peter"]],
        );
        const asOwner = yield* TenantDb.withContext({
          organizationId: created.organizationId,
          userId: created.ownerId,
          role: "owner",
        })(inOrganization);
        assert.deepStrictEqual(
          asOwner.users.map((user) => user.id),
          [created.ownerId],
        );
      }),
    );

    it.effect("an email already used signs up like any other: nothing tells that it is taken", () =>
      Effect.gen(function* () {
        const first = yield* Organizations.create({ name: "First", owner: { email: "taken@example.com", name: "t" } });
        const second = yield* Organizations.create({
          name: "Second",
          owner: { email: "taken@example.com", name: "t" },
        });
        assert.notStrictEqual(second.ownerId, first.ownerId);
        const [users] = yield* withAdmin(
          (admin) => admin`select count(*)::int as n from shared_user where email = 'taken@example.com'`,
        );
        assert.strictEqual(users?.n, 2);
      }),
    );
  });
});
