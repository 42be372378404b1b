import { enterWithTicket, MigratedDatabase } from "@beep/db-admin/testing";
import { IamEntityIds } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { assert, describe, layer } from "@effect/vitest";
import { sql } from "drizzle-orm";
import { Effect, type Layer } from "effect";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { rawClient } from "./internal/Attack.ts";
import { runtime, runtimeOnCitus, runtimeThrough, withAdmin } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";

const owner = (tag: string) => ({ email: `${tag}-${Math.random().toString(36).slice(2)}@example.com`, name: tag });

/** The role as SQL sees it, as the unit says it is once the database answered, and the transaction's id. */
const seen = Effect.all({
  sql: TenantTx.use((db) => db.execute(sql`select beep.current_role() as role, txid_current()::text as tx`)),
  held: TenantTx.heldRole,
  role: Effect.map(TenantTx.TenantTx, (tx) => tx.role),
}).pipe(Effect.map(({ sql, held, role }) => ({ sql: sql[0]?.role ?? null, held, role })));

/** A user with a membership of `role` in `organizationId`, written as the superuser (the test's setup, not the API). */
const addPerson = (organizationId: string, role: string) => {
  const userId = SharedEntityIds.UserId.create();
  return Effect.as(
    withAdmin(async (admin) => {
      await admin`insert into shared_user (id, email, name) values (${userId}, ${`${userId}@example.com`}, 'p')`;
      if (role !== "") {
        await admin`insert into iam_member (id, organization_id, user_id, role)
          values (${IamEntityIds.MemberId.create()}, ${organizationId}, ${userId}, ${role})`;
      }
    }),
    userId,
  );
};

const setRole = (organizationId: string, userId: string, role: string | undefined) =>
  withAdmin((admin) =>
    role === undefined
      ? admin`delete from iam_member where organization_id = ${organizationId} and user_id = ${userId}`
      : admin`update iam_member set role = ${role} where organization_id = ${organizationId} and user_id = ${userId}`,
  );

const suite = (runtimeLayer: Layer.Layer<TenantDb.TenantDb | MigratedDatabase>) =>
  layer(runtimeLayer)((it) => {
    it.effect("a person's unit acts as the role the database finds: changed and removed memberships too", () =>
      Effect.gen(function* () {
        const { organizationId, ownerId } = yield* Organizations.create({ name: "Held", owner: owner("held") });
        const asPerson = (userId: string) =>
          TenantDb.withContext({ organizationId, userId })(TenantTx.asHeldRole(seen));
        assert.deepStrictEqual(yield* asPerson(ownerId), { sql: "owner", held: "owner", role: "owner" });
        const person = yield* addPerson(organizationId, "member");
        assert.deepStrictEqual(yield* asPerson(person), { sql: "member", held: "member", role: "member" });
        yield* setRole(organizationId, person, "admin");
        assert.deepStrictEqual(yield* asPerson(person), { sql: "admin", held: "admin", role: "admin" });
        yield* setRole(organizationId, person, undefined);
        const removed = yield* Effect.flip(asPerson(person));
        assert.strictEqual(removed._tag, "NoTenantRole");
      }),
    );

    it.effect("no membership: the database aborts there, so nothing written behind the re-sign runs", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "Stranger", owner: owner("stranger") });
        const other = yield* Organizations.create({ name: "Elsewhere", owner: owner("elsewhere") });
        // A member of another organization; in this one, nobody.
        const behind = TenantTx.use((db) => db.execute(sql`select 1 as one`));
        for (const last of [false, true]) {
          const unit = TenantTx.asHeldRole(last ? TenantTx.useLast((db) => db.execute(sql`select 1 as one`)) : behind);
          const error = yield* Effect.flip(TenantDb.withContext({ organizationId, userId: other.ownerId })(unit));
          assert.strictEqual(error._tag, "NoTenantRole", `last: ${last}`);
        }
        // The unit's own answer says so too where the handler waits for the role, every time it asks.
        let asked: ReadonlyArray<string> = [];
        const twice = Effect.flatMap(
          Effect.all([Effect.either(TenantTx.heldRole), Effect.either(TenantTx.heldRole)]),
          (answers) =>
            Effect.sync(() => {
              asked = answers.map((answer) => (answer._tag === "Left" ? answer.left._tag : String(answer.right)));
            }),
        );
        const waited = yield* Effect.flip(
          TenantDb.withContext({ organizationId, userId: other.ownerId })(TenantTx.asHeldRole(twice)),
        );
        assert.strictEqual(waited._tag, "NoTenantRole");
        assert.deepStrictEqual(asked, ["NoTenantRole", "NoTenantRole"]);
      }),
    );

    it.effect("only a role-less context with a user may ask: a role already held is refused, before SQL", () =>
      Effect.gen(function* () {
        const { organizationId, ownerId } = yield* Organizations.create({ name: "Twice", owner: owner("twice") });
        const withRole = yield* Effect.flip(
          TenantDb.withContext({ organizationId, userId: ownerId, role: "member" })(TenantTx.asHeldRole(seen)),
        );
        assert.strictEqual(withRole._tag, "TenantAccessDenied");
        const twice = yield* Effect.flip(
          TenantDb.withContext({ organizationId, userId: ownerId })(TenantTx.asHeldRole(TenantTx.asHeldRole(seen))),
        );
        assert.strictEqual(twice._tag, "TenantAccessDenied");
        const noUser = yield* Effect.flip(TenantDb.withContext({ organizationId })(TenantTx.asHeldRole(seen)));
        assert.strictEqual(noUser._tag, "NoTenantRole");
      }),
    );
  });

describe("TenantTx.asHeldRole", () => suite(runtime()));

Testkit.describeWithPgBouncer("TenantTx.asHeldRole, through PgBouncer in transaction mode", (bouncer) =>
  suite(runtimeThrough(bouncer)),
);

Testkit.describeWithCitus("TenantTx.asHeldRole, on a Citus cluster through the coordinator", (citus) =>
  suite(runtimeOnCitus(citus)),
);

describe("beep.assume_role() called by hand", () => {
  layer(runtime())((it) => {
    it.effect("sets only what the membership says: forged, expired or role-bearing tickets get nothing", () =>
      Effect.gen(function* () {
        const { appUrl, contextKey } = yield* MigratedDatabase;
        const { organizationId, ownerId } = yield* Organizations.create({ name: "ByHand", owner: owner("hand") });
        const sign = ContextTicket.signer(contextKey);
        const cases: ReadonlyArray<readonly [string, string]> = [
          ["signed for the owner, no role", sign({ organizationId, userId: ownerId })],
          [
            "signed with another key",
            ContextTicket.signer("not-the-key-the-database-holds-0123456789abcdef")({
              organizationId,
              userId: ownerId,
            }),
          ],
          ["expired", sign({ organizationId, userId: ownerId }, Date.now() - 120_000)],
          ["no user", sign({ organizationId })],
          ["already a member", sign({ organizationId, userId: ownerId, role: "member" })],
        ];
        const raw = yield* rawClient(appUrl);
        const outcome = yield* Effect.promise(async () => {
          const out: Record<string, unknown> = {};
          for (const [name, ticket] of cases) {
            out[name] = await raw
              .begin(async (tx) => {
                await enterWithTicket(tx, ticket);
                const [row] = await tx.unsafe(TenantContext.ASSUME_ROLE_SQL);
                const [after] = await tx`select beep.current_role() as role`;
                return { returned: row?.role, after: after?.role };
              })
              .catch((error: { code?: string }) => ({ refused: error.code }));
          }
          return out;
        });
        assert.deepStrictEqual(outcome, {
          "signed for the owner, no role": { returned: "owner", after: "owner" },
          "signed with another key": { refused: TenantContext.NO_ROLE_SQLSTATE },
          expired: { refused: TenantContext.NO_ROLE_SQLSTATE },
          "no user": { refused: TenantContext.NO_ROLE_SQLSTATE },
          "already a member": { refused: "42501" },
        });
      }).pipe(Effect.scoped),
    );
  });
});
