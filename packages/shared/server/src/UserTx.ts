import type { SharedEntityIds } from "@beep/shared-domain";
import { Context, Effect } from "effect";
import type { Drizzle } from "./Db.ts";
import { type DbError, fromCause } from "./DbErrors.ts";

export interface UserTxShape {
  /** The user this transaction's context names; it names no organization. */
  readonly userId: SharedEntityIds.UserId;
  /** Drizzle bound to the transaction's connection. */
  readonly db: Drizzle;
}

/**
 * A user's own transaction, outside any organization (`TenantDb.withUser`): their user row and their memberships
 * are visible, no tenant's rows are. Only `TenantDb.withUser` provides it.
 */
export class UserTx extends Context.Tag("@beep/shared-server/UserTx")<UserTx, UserTxShape>() {}

/** Runs Drizzle statements in the current user transaction; driver errors become `DbError`s. */
export const use = <A>(
  f: (db: Drizzle, userId: SharedEntityIds.UserId) => PromiseLike<A>,
): Effect.Effect<A, DbError, UserTx> =>
  Effect.flatMap(UserTx, (tx) => Effect.tryPromise({ try: () => f(tx.db, tx.userId), catch: fromCause }));
