import type { SharedEntityIds } from "@beep/shared-domain";
import { Context, Effect } from "effect";
import type { Drizzle } from "./Db.ts";
import { type DbError, fromCause } from "./DbErrors.ts";

export interface TenantTxShape {
  /** The organization this transaction's context is set to. */
  readonly organizationId: SharedEntityIds.OrganizationId;
  /** The user acting, when the context names one (`beep.current_user_id()` in SQL). */
  readonly userId?: SharedEntityIds.UserId | undefined;
  /**
   * The role the context carries now (`beep.current_role()` in SQL): a `TenantRole.Role`, an invitee's, an API key's,
   * or none. It changes with `assumeRole`, for every view of the transaction.
   */
  readonly role?: string | undefined;
  /** Drizzle bound to the transaction's connection. */
  readonly db: Drizzle;
  /**
   * Runs `statement` and writes COMMIT (with the session cleanup) right behind the first query it sends at once:
   * the unit ends in that statement's round trip. What `useLast` builds on.
   */
  readonly last: <A>(statement: (db: Drizzle) => PromiseLike<A>) => Promise<A>;
  /**
   * Re-signs the context with `role` (same organization and user) for the rest of the transaction: how a unit
   * that first reads the caller's membership goes on as the role it found. Fails on a role no context may carry.
   * The role holds until the transaction ends, also after the effect given to `asRole`.
   */
  readonly assumeRole: (role: string) => Effect.Effect<TenantTxShape, DbError>;
  /**
   * Re-signs a role-less context with the role its user holds in the organization, in the database
   * (`beep.assume_role()`, reading the table that records roles), for the rest of the transaction. Sent without
   * waiting: the statements after it are written behind it and run as that role, so a person's request learns its
   * role without a round trip of its own; `heldRole` waits for the answer. No role held: the database aborts the
   * transaction there (nothing behind it runs) and the unit fails with `NoTenantRole`.
   */
  readonly assumeHeldRole: () => Effect.Effect<TenantTxShape, DbError>;
  /** The role the context carries, once the database has answered an `assumeHeldRole` still in flight. */
  readonly heldRole: Effect.Effect<string | undefined, DbError>;
  /** An `assumeHeldRole` has been sent and not yet answered: `role` does not say the role yet. */
  readonly resigning: boolean;
}

/**
 * The current tenant transaction. Only `TenantDb.withContext` (or `withOrg`) provides it, so code that requires it
 * cannot run without a tenant: forgetting one is a type error.
 */
export class TenantTx extends Context.Tag("@beep/shared-server/TenantTx")<TenantTx, TenantTxShape>() {}

/** Runs Drizzle statements in the current tenant transaction; driver errors become `DbError`s. */
export const use = <A>(
  f: (db: Drizzle, organizationId: SharedEntityIds.OrganizationId) => PromiseLike<A>,
): Effect.Effect<A, DbError, TenantTx> =>
  Effect.flatMap(TenantTx, (tx) => Effect.tryPromise({ try: () => f(tx.db, tx.organizationId), catch: fromCause }));

/**
 * `use` for the unit's last statement: COMMIT, with the session cleanup, is written right behind it, so the unit
 * ends in that statement's round trip instead of one more. The unit commits with it: a failure after it no longer
 * rolls it back, and a statement after it fails (the transaction has ended). A failed statement still rolls back;
 * a context the database refused (the prelude's check, a re-sign) still fails the unit, its statements having seen
 * and changed nothing.
 */
export const useLast = <A>(
  f: (db: Drizzle, organizationId: SharedEntityIds.OrganizationId) => PromiseLike<A>,
): Effect.Effect<A, DbError, TenantTx> =>
  Effect.flatMap(TenantTx, (tx) =>
    Effect.tryPromise({ try: () => tx.last((db) => f(db, tx.organizationId)), catch: fromCause }),
  );

/** The organization of the current tenant transaction. */
export const currentTenant: Effect.Effect<SharedEntityIds.OrganizationId, never, TenantTx> = Effect.map(
  TenantTx,
  (tx) => tx.organizationId,
);

/**
 * Runs `effect` as the role the context's user holds in the organization (`TenantTxShape.assumeHeldRole`), without
 * waiting for the database to say which: read it with `heldRole`. The role holds until the transaction ends.
 */
export const asHeldRole = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | DbError, TenantTx | R> =>
  Effect.flatMap(TenantTx, (tx) => Effect.zipRight(tx.assumeHeldRole(), effect));

/** The role of the current transaction, waiting for an `asHeldRole` re-sign still in flight. */
export const heldRole: Effect.Effect<string | undefined, DbError, TenantTx> = Effect.flatMap(
  TenantTx,
  (tx) => tx.heldRole,
);

/** Runs `effect` as `role` in the current transaction (`TenantTxShape.assumeRole`): the role holds until it ends. */
export const asRole =
  (role: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | DbError, TenantTx | R> =>
    Effect.flatMap(TenantTx, (tx) =>
      Effect.flatMap(tx.assumeRole(role), (next) => Effect.provideService(effect, TenantTx, next)),
    );
