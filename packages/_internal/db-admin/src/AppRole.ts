import { Effect, Schedule } from "effect";
import type postgres from "postgres";
import * as Sql from "./internal/sql.ts";
import { MigrationUnavailable } from "./MigrationErrors.ts";
import { APP_ROLE } from "./Roles.ts";

const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

const withConnection = <A>(url: string, f: (sql: postgres.Sql) => Promise<A>) => Sql.use(url, f, (cause) => cause);

/** True when `url` logs in; used to skip rewriting a password that is already set. */
const canLogIn = (url: string) =>
  withConnection(url, (sql) => sql`select 1`).pipe(
    Effect.as(true),
    Effect.orElseSucceed(() => false),
  );

// Roles are cluster-wide: two databases provisioned at once can race on the same role row.
const isConcurrentUpdate = (cause: unknown) =>
  cause instanceof Error && cause.message.includes("tuple concurrently updated");

/**
 * Gives the runtime role a password (migrations never hold secrets) and returns its connection string.
 * The role row is only written when logging in with `password` does not already work.
 */
export const provision = (adminUrl: string, password: string): Effect.Effect<string, MigrationUnavailable> => {
  const appUrl = urlFor(adminUrl, APP_ROLE, password);
  const setPassword = withConnection(adminUrl, (sql) =>
    sql.unsafe(`ALTER ROLE "${APP_ROLE}" WITH LOGIN PASSWORD ${quoteLiteral(password)}`),
  ).pipe(Effect.retry({ while: isConcurrentUpdate, schedule: Schedule.spaced("50 millis"), times: 5 }));
  return canLogIn(appUrl).pipe(
    Effect.flatMap((ok) => (ok ? Effect.void : setPassword)),
    Effect.mapError((cause) => new MigrationUnavailable({ cause })),
    Effect.as(appUrl),
  );
};

/** The same server and database as `url`, logged in as `user`. */
export const urlFor = (url: string, user: string, password: string): string => {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
};
