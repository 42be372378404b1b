import { SharedEntityIds } from "@beep/shared-domain";
import { SharedTables } from "@beep/shared-tables";
import { eq } from "drizzle-orm";
import { Effect, Either } from "effect";
import type postgres from "postgres";
import type { Drizzle } from "../../src/Db.ts";
import * as DbErrors from "../../src/DbErrors.ts";
import * as TenantDb from "../../src/TenantDb.ts";
import * as TenantTx from "../../src/TenantTx.ts";
import * as UserTx from "../../src/UserTx.ts";
import { drizzleOver } from "./Attack.ts";

/**
 * The writes to the global tables (`shared_organization`, `shared_user`) in every kind of context the runtime role
 * can be in, each with the outcome the policies and grants promise. Every unit is rolled back.
 */

type Row = Record<string, unknown>;
type Statement = (db: Drizzle) => PromiseLike<ReadonlyArray<Row>>;
export type Outcome = Either.Either<ReadonlyArray<Row>, { readonly _tag: string; readonly message: string }>;

/** What the promise says of one statement. */
export type Expected =
  /** Exactly these rows are returned (read, or written with RETURNING). */
  | { readonly _tag: "Rows"; readonly ids: ReadonlyArray<string> }
  /** No row seen or changed: an empty result, or refused for want of a context. */
  | { readonly _tag: "Nothing" }
  /** Refused by a policy or a missing grant. */
  | { readonly _tag: "Denied" };

const rows = (...ids: ReadonlyArray<string>): Expected => ({ _tag: "Rows", ids });
const nothing: Expected = { _tag: "Nothing" };
const denied: Expected = { _tag: "Denied" };

/** Where a statement runs: a unit of work of the runtime, or a raw transaction with no context at all. */
export type Runner = (f: Statement) => Effect.Effect<Outcome, never, TenantDb.TenantDb>;

class RolledBack {
  constructor(readonly outcome: Outcome) {}
}

const settle = <R>(unit: Effect.Effect<never, unknown, R>): Effect.Effect<Outcome, never, R> =>
  Effect.map(Effect.flip(unit), (error) =>
    error instanceof RolledBack ? error.outcome : Either.left(error as { _tag: string; message: string }),
  );

const inTenant =
  (scope: TenantDb.TenantScope): Runner =>
  (f) =>
    settle(
      TenantDb.withContext(scope)(
        Effect.flatMap(Effect.either(TenantTx.use(f)), (outcome) => Effect.fail(new RolledBack(outcome))),
      ),
    );

const asUser =
  (userId: string): Runner =>
  (f) =>
    settle(
      TenantDb.withUser(userId)(
        Effect.flatMap(Effect.either(UserTx.use(f)), (outcome) => Effect.fail(new RolledBack(outcome))),
      ),
    );

/** A raw transaction as the app's role that never sets `beep.context`: what the runtime never sends. */
const withoutContext =
  (client: postgres.Sql): Runner =>
  (f) =>
    Effect.promise(() =>
      client
        .begin(async (tx) => {
          const outcome: Outcome = await Promise.resolve(f(drizzleOver(client, tx))).then(
            (found) => Either.right([...found]),
            (error: unknown) => Either.left(DbErrors.fromCause(error)),
          );
          throw new RolledBack(outcome);
        })
        .then(
          (): Outcome => Either.left({ _tag: "NotRolledBack", message: "the unit committed" }),
          (error: unknown): Outcome =>
            error instanceof RolledBack ? error.outcome : Either.left(DbErrors.fromCause(error)),
        ),
    );

export interface Fixture {
  readonly A: SharedEntityIds.OrganizationId;
  readonly B: SharedEntityIds.OrganizationId;
  readonly ownerA: SharedEntityIds.UserId;
  readonly ownerB: SharedEntityIds.UserId;
}

export interface Case {
  readonly label: string;
  readonly run: Runner;
  readonly statement: Statement;
  readonly expected: Expected;
}

const organization = SharedTables.organization;
const user = SharedTables.user;

/** Every case, from the promise: `shared_organization` and `shared_user` grant `beep_app` SELECT, INSERT, UPDATE. */
export const cases = (f: Fixture, client: postgres.Sql): ReadonlyArray<Case> => {
  const owner = inTenant({ organizationId: f.A, userId: f.ownerA, role: "owner" });
  const orgOnly = inTenant({ organizationId: f.A, role: "owner" });
  const userOnly = asUser(f.ownerA);
  const none = withoutContext(client);
  const newOrg = SharedEntityIds.OrganizationId.create();
  const newUser = SharedEntityIds.UserId.create();
  const signup = asUser(newUser);
  const founding = inTenant({ organizationId: newOrg, userId: newUser, role: "owner" });

  const organizationCases: ReadonlyArray<Case> = [
    // A tenant's row is its own (`id` is the tenant): it reads and renames it, and nothing else.
    { label: "A's owner selects", run: owner, statement: (db) => db.select().from(organization), expected: rows(f.A) },
    {
      label: "A's owner renames A",
      run: owner,
      statement: (db) => db.update(organization).set({ name: "A2" }).where(eq(organization.id, f.A)).returning(),
      expected: rows(f.A),
    },
    {
      label: "A's owner renames B",
      run: owner,
      statement: (db) => db.update(organization).set({ name: "B2" }).where(eq(organization.id, f.B)).returning(),
      expected: nothing,
    },
    {
      label: "A's owner renames every organization",
      run: owner,
      statement: (db) => db.update(organization).set({ name: "all" }).returning(),
      expected: rows(f.A),
    },
    {
      label: "A's owner moves A's id to B's",
      run: owner,
      statement: (db) => db.update(organization).set({ id: f.B }).where(eq(organization.id, f.A)).returning(),
      expected: denied,
    },
    {
      label: "A's owner inserts another organization",
      run: owner,
      statement: (db) => db.insert(organization).values({ id: newOrg, name: "other" }).returning(),
      expected: denied,
    },
    {
      label: "A's owner inserts B's id",
      run: owner,
      statement: (db) => db.insert(organization).values({ id: f.B, name: "B again" }).returning(),
      expected: denied,
    },
    // No DELETE grant: not even a tenant's own row.
    {
      label: "A's owner deletes A",
      run: owner,
      statement: (db) => db.delete(organization).where(eq(organization.id, f.A)).returning(),
      expected: denied,
    },
    {
      label: "A's owner deletes B",
      run: owner,
      statement: (db) => db.delete(organization).where(eq(organization.id, f.B)).returning(),
      expected: denied,
    },
    // A new organization is inserted in its own context (how `Organizations.create` founds one).
    {
      label: "a founding context inserts its own organization",
      run: founding,
      statement: (db) => db.insert(organization).values({ id: newOrg, name: "new" }).returning(),
      expected: rows(newOrg),
    },
    // No organization in the context: no organization row is visible or writable.
    ...[
      ["A's owner outside any organization", userOnly],
      ["no context", none],
    ].flatMap(([who, run]) => [
      {
        label: `${who} selects`,
        run: run as Runner,
        statement: (db: Drizzle) => db.select().from(organization),
        expected: nothing,
      },
      {
        label: `${who} renames every organization`,
        run: run as Runner,
        statement: (db: Drizzle) => db.update(organization).set({ name: "all" }).returning(),
        expected: nothing,
      },
      {
        label: `${who} inserts an organization`,
        run: run as Runner,
        statement: (db: Drizzle) => db.insert(organization).values({ id: newOrg, name: "new" }).returning(),
        expected: denied,
      },
      {
        label: `${who} deletes A`,
        run: run as Runner,
        statement: (db: Drizzle) => db.delete(organization).where(eq(organization.id, f.A)).returning(),
        expected: denied,
      },
    ]),
  ];

  // A user's row is the user's own, in any context that names the user; no organization reaches it.
  const userCases: ReadonlyArray<Case> = [
    ...[
      ["A's owner", owner],
      ["A's owner outside any organization", userOnly],
    ].flatMap(([who, run]) => [
      {
        label: `${who} selects users`,
        run: run as Runner,
        statement: (db: Drizzle) => db.select().from(user),
        expected: rows(f.ownerA),
      },
      {
        label: `${who} renames themself`,
        run: run as Runner,
        statement: (db: Drizzle) => db.update(user).set({ name: "me" }).where(eq(user.id, f.ownerA)).returning(),
        expected: rows(f.ownerA),
      },
      {
        label: `${who} renames B's owner`,
        run: run as Runner,
        statement: (db: Drizzle) => db.update(user).set({ name: "you" }).where(eq(user.id, f.ownerB)).returning(),
        expected: nothing,
      },
      {
        label: `${who} renames every user`,
        run: run as Runner,
        statement: (db: Drizzle) => db.update(user).set({ name: "all" }).returning(),
        expected: rows(f.ownerA),
      },
      {
        label: `${who} takes B's owner's id`,
        run: run as Runner,
        statement: (db: Drizzle) => db.update(user).set({ id: f.ownerB }).where(eq(user.id, f.ownerA)).returning(),
        expected: denied,
      },
      {
        label: `${who} inserts another user`,
        run: run as Runner,
        statement: (db: Drizzle) =>
          db.insert(user).values({ id: newUser, email: "x@example.com", name: "x" }).returning(),
        expected: denied,
      },
      {
        label: `${who} inserts B's owner's id`,
        run: run as Runner,
        statement: (db: Drizzle) =>
          db.insert(user).values({ id: f.ownerB, email: "x@example.com", name: "x" }).returning(),
        expected: denied,
      },
      // No DELETE grant: nobody deletes through the app.
      {
        label: `${who} deletes themself`,
        run: run as Runner,
        statement: (db: Drizzle) => db.delete(user).where(eq(user.id, f.ownerA)).returning(),
        expected: denied,
      },
      {
        label: `${who} deletes B's owner`,
        run: run as Runner,
        statement: (db: Drizzle) => db.delete(user).where(eq(user.id, f.ownerB)).returning(),
        expected: denied,
      },
    ]),
    // Sign-up: a context naming a new user inserts that user, and only that user.
    {
      label: "a new user signs up",
      run: signup,
      statement: (db) => db.insert(user).values({ id: newUser, email: "new@example.com", name: "new" }).returning(),
      expected: rows(newUser),
    },
    {
      label: "a new user inserts someone else",
      run: signup,
      statement: (db) =>
        db.insert(user).values({ id: SharedEntityIds.UserId.create(), email: "y@example.com", name: "y" }).returning(),
      expected: denied,
    },
    // No user in the context: no user row is visible or writable.
    ...[
      ["A with no user", orgOnly],
      ["no context", none],
    ].flatMap(([who, run]) => [
      {
        label: `${who} selects users`,
        run: run as Runner,
        statement: (db: Drizzle) => db.select().from(user),
        expected: nothing,
      },
      {
        label: `${who} renames every user`,
        run: run as Runner,
        statement: (db: Drizzle) => db.update(user).set({ name: "all" }).returning(),
        expected: nothing,
      },
      {
        label: `${who} inserts a user`,
        run: run as Runner,
        statement: (db: Drizzle) =>
          db.insert(user).values({ id: newUser, email: "x@example.com", name: "x" }).returning(),
        expected: denied,
      },
      {
        label: `${who} deletes A's owner`,
        run: run as Runner,
        statement: (db: Drizzle) => db.delete(user).where(eq(user.id, f.ownerA)).returning(),
        expected: denied,
      },
    ]),
  ];
  return [
    ...organizationCases.map((c) => ({ ...c, label: `shared_organization: ${c.label}` })),
    ...userCases.map((c) => ({ ...c, label: `shared_user: ${c.label}` })),
  ];
};

/** Whether an outcome keeps the promise, and how many rows it read or wrote beyond it (escalations). */
export const judge = (expected: Expected, outcome: Outcome): { readonly ok: boolean; readonly escalations: number } => {
  const returned = Either.isRight(outcome) ? outcome.right.map((row) => String(row.id)) : [];
  switch (expected._tag) {
    case "Rows": {
      const beyond = returned.filter((id) => !expected.ids.includes(id)).length;
      const same = Either.isRight(outcome) && [...returned].sort().join() === [...expected.ids].sort().join();
      return { ok: same, escalations: beyond };
    }
    case "Nothing":
      return {
        ok: Either.isRight(outcome) ? returned.length === 0 : outcome.left._tag === "TenantContextMissing",
        escalations: returned.length,
      };
    case "Denied":
      return {
        ok: Either.isLeft(outcome) && outcome.left._tag === "TenantAccessDenied",
        escalations: returned.length,
      };
  }
};

export const describeOutcome = (outcome: Outcome) =>
  Either.match(outcome, {
    onLeft: (error) => `${error._tag} ${error.message}`,
    onRight: (found) => `${found.length} rows ${found.map((row) => String(row.id)).join(", ")}`,
  });
