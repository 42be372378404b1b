import { Effect } from "effect";
import postgres from "postgres";
import { MigrationUnavailable } from "./MigrationErrors.ts";
import { APP_ROLE } from "./Roles.ts";

const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** Gives the runtime role a password (migrations never hold secrets) and returns its connection string. */
export const provision = (adminUrl: string, password: string): Effect.Effect<string, MigrationUnavailable> =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(adminUrl, { max: 1, onnotice: () => {} })),
    (sql) =>
      Effect.tryPromise({
        try: () => sql.unsafe(`ALTER ROLE "${APP_ROLE}" WITH LOGIN PASSWORD ${quoteLiteral(password)}`),
        catch: (cause) => new MigrationUnavailable({ cause }),
      }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  ).pipe(Effect.as(urlFor(adminUrl, APP_ROLE, password)));

/** The same server and database as `url`, logged in as `user`. */
export const urlFor = (url: string, user: string, password: string): string => {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
};
