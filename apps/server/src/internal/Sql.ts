import type { PgDatabase } from "drizzle-orm/pg-core";
import { Context, Data, Effect } from "effect";

/** The drizzle handle of the current tenant transaction. */
export type Handle = PgDatabase<any, any, any>;

/** A statement PostgreSQL refused (constraint, permission); the transaction is rolled back. */
export class StatementRejected extends Data.TaggedError("StatementRejected")<{
  readonly code: string;
  readonly constraint: string | undefined;
  readonly cause: unknown;
}> {}

/** The connection failed or the server is not there. */
export class DatabaseDown extends Data.TaggedError("DatabaseDown")<{ readonly cause: unknown }> {}

export class Tx extends Context.Tag("@beep/server/internal/Tx")<Tx, Handle>() {}

interface PgErrorLike {
  readonly code?: unknown;
  readonly constraint_name?: unknown;
}

const pgErrorOf = (cause: unknown): PgErrorLike | undefined => {
  // drizzle wraps driver errors in DrizzleQueryError, whose message carries the parameters: keep only the cause.
  const inner = cause instanceof Error && cause.cause !== undefined ? cause.cause : cause;
  return typeof inner === "object" && inner !== null ? (inner as PgErrorLike) : undefined;
};

/** SQLSTATE codes are five characters; connection errors from the driver are not. */
const classify = (cause: unknown): StatementRejected | DatabaseDown => {
  const error = pgErrorOf(cause);
  const code = typeof error?.code === "string" ? error.code : undefined;
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith("08") && !code.startsWith("57P")) {
    const constraint = typeof error?.constraint_name === "string" ? error.constraint_name : undefined;
    return new StatementRejected({ code, constraint, cause });
  }
  return new DatabaseDown({ cause });
};

/** Runs one query on the current tenant transaction. */
export const query = <A>(f: (db: Handle) => PromiseLike<A>): Effect.Effect<A, StatementRejected | DatabaseDown, Tx> =>
  Effect.flatMap(Tx, (db) => Effect.tryPromise({ try: () => f(db), catch: classify }));

export const UNIQUE_VIOLATION = "23505";
export const isUniqueViolation = (error: StatementRejected) => error.code === UNIQUE_VIOLATION;

/** Turns a unique-key violation into the caller's error (a 409, usually); other errors pass through. */
export const onUniqueViolation =
  <E2>(toError: (error: StatementRejected) => E2) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | E2, R> =>
    Effect.catchIf(
      self,
      (error): error is E & StatementRejected => error instanceof StatementRejected && isUniqueViolation(error),
      (error) => Effect.fail(toError(error)),
    );
