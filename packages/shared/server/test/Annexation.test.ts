import { enterTenant, MigratedDatabase } from "@beep/db-admin/testing";
import { member } from "@beep/iam-tables/schema";
import { SharedEntityIds } from "@beep/shared-domain";
import { SharedTables } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { eq } from "drizzle-orm";
import { Effect } from "effect";
import type postgres from "postgres";
import type { Drizzle } from "../src/Db.ts";
import { type DbError, fromCause } from "../src/DbErrors.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { drizzleOver, rawClient, twoOrganizations, whoAmI } from "./internal/Attack.ts";
import { runtime, runtimeOnCitus, withAdmin } from "./internal/layers.ts";

/**
 * One unit of work as an organization (and user, when given), with Drizzle on its connection. Every unit acts as
 * an owner, the strongest role: no role of a tenant may annex a user.
 */
type Unit = (
  organizationId: string,
  userId?: string,
) => <X>(f: (db: Drizzle) => PromiseLike<X>) => Effect.Effect<X, DbError | TenantDb.WithOrgError, TenantDb.TenantDb>;

/** The runtime: `TenantDb.withContext`, as application code would. */
const throughRuntime: Effect.Effect<Unit> = Effect.succeed(
  (organizationId, userId) => (f) => TenantDb.withContext({ organizationId, userId, role: "owner" })(TenantTx.use(f)),
);

/** Raw SQL on a beep_app connection, in a transaction with a valid ticket: what injected SQL in a unit would have. */
const throughRawSql = Effect.gen(function* () {
  const { appUrl, contextKey } = yield* MigratedDatabase;
  const raw: postgres.Sql = yield* rawClient(appUrl);
  const who = yield* Effect.promise(() => whoAmI(raw));
  assert.deepStrictEqual(who, { role: "beep_app", super: false, bypass: false });
  const unit: Unit = (organizationId, userId) => (f) =>
    Effect.tryPromise({
      try: () =>
        raw.begin(async (tx) => {
          await enterTenant(tx, contextKey, organizationId, userId, "owner");
          return [await f(drizzleOver(raw, tx))];
        }) as unknown as Promise<[never]>,
      catch: fromCause,
    }).pipe(Effect.map(([value]) => value));
  return unit;
});

/** What the superuser sees of a user: the row and every membership. */
const userAsSuperuser = (userId: string) =>
  withAdmin(async (admin) => ({
    user: [...(await admin`select id, email, name from shared_user where id = ${userId}`)],
    memberships: [...(await admin`select organization_id, user_id from iam_member where user_id = ${userId}`)],
  }));

const PATHS = [
  ["through the runtime (TenantDb.withContext)", throughRuntime],
  ["raw SQL as beep_app with A's ticket", throughRawSql],
] as const;

const suite = (runtimeLayer: ReturnType<typeof runtime>) =>
  it.layer(runtimeLayer)((it) => {
    // Users are global and only their own; an organization shows its members' per-organization profiles
    // (iam_member). A tenant acting as its own owner can neither add another organization's user to itself
    // nor turn a membership into someone else's, nor read or change that user's row. Tried twice: through
    // the runtime, and as raw SQL on beep_app with A's valid ticket.
    for (const [path, makeUnit] of PATHS) {
      describe(path, () => {
        it.effect("A cannot add B's owner as a member, nor turn its own membership into theirs", () =>
          Effect.gen(function* () {
            const unit = yield* makeUnit;
            const { A, ownerA, memberA, B, ownerB } = yield* twoOrganizations;
            const asOwnerA = unit(A, ownerA);
            const before = yield* userAsSuperuser(ownerB);
            assert.deepStrictEqual(
              before.memberships.map((row) => row.organization_id),
              [B],
            );

            const inserted = yield* Effect.flip(
              asOwnerA((db) =>
                db
                  .insert(member)
                  .values({ organizationId: A, userId: ownerB, role: "admin", email: "b@a", name: "B" })
                  .returning(),
              ),
            );
            assert.strictEqual(inserted._tag, "TenantAccessDenied", inserted.message);
            assert.strictEqual((inserted as { code?: string }).code, "42501");

            const rewritten = yield* Effect.flip(
              asOwnerA((db) => db.update(member).set({ userId: ownerB }).where(eq(member.id, memberA)).returning()),
            );
            assert.strictEqual(rewritten._tag, "TenantAccessDenied", rewritten.message);
            assert.strictEqual((rewritten as { code?: string }).code, "42501");
            assert.match(rewritten.message, /permission denied/);

            // An upsert whose conflict branch rewrites user_id needs the same column privilege.
            const upserted = yield* Effect.flip(
              asOwnerA((db) =>
                db
                  .insert(member)
                  .values({ organizationId: A, userId: ownerA, role: "owner" })
                  .onConflictDoUpdate({ target: [member.organizationId, member.userId], set: { userId: ownerB } })
                  .returning(),
              ),
            );
            assert.strictEqual(upserted._tag, "TenantAccessDenied", upserted.message);

            const membershipA = yield* withAdmin(
              (admin) => admin`select organization_id, user_id, role from iam_member where id = ${memberA}`,
            );
            assert.deepStrictEqual([...membershipA], [{ organization_id: A, user_id: ownerA, role: "owner" }]);
            const after = yield* userAsSuperuser(ownerB);
            assert.deepStrictEqual(after, before);
            assert.lengthOf(after.memberships, 1);
          }).pipe(Effect.scoped),
        );

        it.effect("A cannot read or change B's owner's user row", () =>
          Effect.gen(function* () {
            const unit = yield* makeUnit;
            const { A, ownerA, ownerB } = yield* twoOrganizations;
            const asOwnerA = unit(A, ownerA);
            const before = yield* userAsSuperuser(ownerB);
            assert.lengthOf(before.user, 1);

            const read = yield* asOwnerA((db) =>
              db.select().from(SharedTables.user).where(eq(SharedTables.user.id, ownerB)),
            );
            assert.lengthOf(read, 0);
            const updated = yield* asOwnerA((db) =>
              db.update(SharedTables.user).set({ email: "x" }).where(eq(SharedTables.user.id, ownerB)).returning(),
            );
            assert.lengthOf(updated, 0);
            // Nor by inserting the same id and updating on conflict: the new row is checked as A's user first.
            const upserted = yield* Effect.flip(
              asOwnerA((db) =>
                db
                  .insert(SharedTables.user)
                  .values({ id: ownerB as SharedEntityIds.UserId, email: "x", name: "x" })
                  .onConflictDoUpdate({ target: SharedTables.user.id, set: { email: "x" } })
                  .returning(),
              ),
            );
            assert.strictEqual(upserted._tag, "TenantAccessDenied", upserted.message);

            assert.deepStrictEqual(yield* userAsSuperuser(ownerB), before);
          }).pipe(Effect.scoped),
        );

        it.effect("a user sees and changes only their own user row; without a user, none", () =>
          Effect.gen(function* () {
            const unit = yield* makeUnit;
            const { A, ownerA, ownerB } = yield* twoOrganizations;
            const withoutUser = yield* unit(A)((db) => db.select().from(SharedTables.user));
            assert.lengthOf(withoutUser, 0);

            const asOwnerA = unit(A, ownerA);
            const newName = `renamed-${Math.random().toString(36).slice(2)}`;
            const own = yield* asOwnerA((db) => db.select().from(SharedTables.user));
            assert.deepStrictEqual(
              own.map((row) => row.id),
              [ownerA],
            );
            const renamed = yield* asOwnerA((db) =>
              db.update(SharedTables.user).set({ name: newName }).where(eq(SharedTables.user.id, ownerA)).returning(),
            );
            assert.deepStrictEqual(
              renamed.map((row) => row.name),
              [newName],
            );
            const stored = yield* userAsSuperuser(ownerA);
            assert.strictEqual(stored.user[0]?.name, newName);
            // The rename reached no one else.
            const others = yield* withAdmin(
              (admin) => admin`select count(*)::int as n from shared_user where name = ${newName}`,
            );
            assert.strictEqual(others[0]?.n, 1);
            assert.notStrictEqual((yield* userAsSuperuser(ownerB)).user[0]?.name, newName);
          }).pipe(Effect.scoped),
        );

        it.effect("A reads its members' profiles from iam_member, not their user rows", () =>
          Effect.gen(function* () {
            const unit = yield* makeUnit;
            const { A, ownerA, ownerB } = yield* twoOrganizations;
            const profileA = (yield* userAsSuperuser(ownerA)).user[0];
            // A second person joins A: they create their own user row and their own membership.
            const joiner = SharedEntityIds.UserId.create();
            yield* unit(
              A,
              joiner,
            )(async (db) => {
              await db.insert(SharedTables.user).values({ id: joiner, email: "joiner@example.com", name: "Joiner" });
              await db
                .insert(member)
                .values({ userId: joiner, role: "member", email: "joiner@a.example.com", name: "Joiner at A" });
            });

            const profiles = yield* unit(
              A,
              ownerA,
            )((db) =>
              db
                .select({ userId: member.userId, email: member.email, name: member.name, org: member.organizationId })
                .from(member),
            );
            const byUser = (x: ReadonlyArray<unknown>, y: ReadonlyArray<unknown>) =>
              String(x[0]) < String(y[0]) ? -1 : 1;
            assert.deepStrictEqual(
              profiles.map((row) => [row.userId, row.email, row.name, row.org]).sort(byUser),
              [
                [joiner, "joiner@a.example.com", "Joiner at A", A],
                [ownerA, profileA?.email, profileA?.name, A],
              ].sort(byUser),
            );
            assert.isFalse(profiles.some((row) => row.userId === ownerB));
            // The joiner's user row stays theirs: A's owner does not see it.
            const joinerRow = yield* unit(
              A,
              ownerA,
            )((db) => db.select().from(SharedTables.user).where(eq(SharedTables.user.id, joiner)));
            assert.lengthOf(joinerRow, 0);
          }).pipe(Effect.scoped),
        );
      });
    }

    // The runtime's own helper refuses the same membership, and no partial write survives the refusal.
    it.effect("TenantQuery.insert of a membership for B's owner is refused and writes nothing", () =>
      Effect.gen(function* () {
        const { A, ownerA, ownerB, B } = yield* twoOrganizations;
        const error = yield* Effect.flip(
          TenantDb.withContext({ organizationId: A, userId: ownerA, role: "owner" })(
            TenantQuery.insert(member, { userId: ownerB, role: "member" }),
          ),
        );
        assert.strictEqual(error._tag, "TenantAccessDenied");
        const memberships = yield* withAdmin(
          (admin) => admin`select organization_id from iam_member where user_id = ${ownerB}`,
        );
        assert.deepStrictEqual(
          memberships.map((row) => row.organization_id),
          [B],
        );
      }),
    );
  });

describe("no tenant can annex a user", () => suite(runtime()));

Testkit.describeWithCitus("no tenant can annex a user, on a Citus cluster", (citus) => suite(runtimeOnCitus(citus)));
