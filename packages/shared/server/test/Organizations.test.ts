import { member } from "@beep/iam-tables/schema";
import { SharedTables } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import * as Organizations from "../src/Organizations.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { runtime, withAdmin } from "./internal/layers.ts";

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
        const visible = yield* TenantDb.withOrg(created.organizationId)(
          Effect.all({
            users: TenantTx.use((db) => db.select().from(SharedTables.user)),
            members: TenantQuery.select(member),
          }),
        );
        assert.deepStrictEqual(
          visible.users.map((user) => user.id),
          [created.ownerId],
        );
        assert.deepStrictEqual(
          visible.members.map((row) => [row.id, row.role]),
          [[created.membershipId, "owner"]],
        );
      }),
    );

    it.effect("an owner email already taken is a UniqueViolation and nothing is written", () =>
      Effect.gen(function* () {
        yield* Organizations.create({ name: "First", owner: { email: "taken@example.com", name: "t" } });
        const count = withAdmin((admin) => admin`select count(*)::int as n from shared_organization`).pipe(
          Effect.map((rows) => rows[0]?.n as number),
        );
        const before = yield* count;
        const error = yield* Effect.flip(
          Organizations.create({ name: "Second", owner: { email: "taken@example.com", name: "t" } }),
        );
        assert.strictEqual(error._tag, "UniqueViolation");
        assert.strictEqual(yield* count, before);
      }),
    );
  });
});
