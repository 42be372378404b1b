import { Effect, type Scope } from "effect";
import postgres from "postgres";

/**
 * One connection to `url` for the scope; a malformed URL fails with `onError` rather than throwing.
 * One connection is all an administrative command needs, and it keeps transactions on one session.
 */
export const connection = <E>(
  url: string,
  onError: (cause: unknown) => E,
): Effect.Effect<postgres.Sql, E, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 }),
      catch: onError,
    }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  );

/** Runs `f` on a fresh connection, closed afterwards; any failure becomes `onError`. */
export const use = <A, E>(
  url: string,
  f: (sql: postgres.Sql) => Promise<A>,
  onError: (cause: unknown) => E,
): Effect.Effect<A, E> =>
  Effect.scoped(
    Effect.flatMap(connection(url, onError), (sql) => Effect.tryPromise({ try: () => f(sql), catch: onError })),
  );

/** `url` with its database replaced by `database`. */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};
