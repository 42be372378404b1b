import { DbErrors } from "@beep/shared-server";
import { Config, Context, Data, Duration, Effect, Layer } from "effect";
import postgres from "postgres";

/** The whole check, connecting included: `/health` answers within a second, whatever the database does. */
export const DEADLINE: Duration.Duration = Duration.millis(900);

/**
 * `HEALTH_DEADLINE_MS`, `DEADLINE` unless set: a probe that allows longer (a database across a slow link, or a
 * machine shared with other work) may say so instead of seeing 503s.
 */
export const deadline: Config.Config<Duration.Duration> = Config.integer("HEALTH_DEADLINE_MS").pipe(
  Config.validate({
    message: "expected 1 to 60000 milliseconds",
    validation: (ms) => ms >= 1 && ms <= 60_000,
  }),
  Config.map(Duration.millis),
  Config.withDefault(DEADLINE),
);

/** Why the database is not healthy, as `/health` says it in its 503 body. */
export type Reason = "database unreachable" | "database timed out" | "database refused the login" | "database error";

/** The check did not finish within its deadline. */
export class HealthCheckTimeout extends Data.TaggedError("HealthCheckTimeout")<{ readonly ms: number }> {
  override get message() {
    return `no answer within ${this.ms} ms`;
  }
}

/** A failed check: what `/health` answers, and the error behind it for the request log. */
export class Unhealthy extends Data.TaggedError("Unhealthy")<{
  readonly reason: Reason;
  readonly error: DbErrors.DbError | HealthCheckTimeout;
}> {}

export interface HealthDbShape {
  /** `select 1` on the health pool, within its deadline. */
  readonly check: Effect.Effect<void, Unhealthy>;
}

/**
 * A pool of its own for `/health`, so that it never queues behind the runtime pool's units of work: one
 * connection, a short connect timeout, no prepared statements (it works behind a transaction pooler too).
 */
export class HealthDb extends Context.Tag("@beep/server/HealthDb")<HealthDb, HealthDbShape>() {}

const reasonOf = (error: DbErrors.DbError): Reason => {
  switch (error._tag) {
    case "DatabaseUnavailable":
      return error.code?.startsWith("28") === true ? "database refused the login" : "database unreachable";
    case "QueryTimeout":
      return "database timed out";
    default:
      return "database error";
  }
};

/** `connectSeconds`: postgres.js counts whole seconds; the check's deadline ends the wait first. */
const open = (url: string, connectSeconds: number) =>
  postgres(url, {
    max: 1,
    connect_timeout: connectSeconds,
    idle_timeout: 60,
    prepare: false,
    // `select 1` needs no type beyond the built-in ones: one round trip less on a new connection.
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: "beep-health" },
  });

/** The health pool on `url` (the runtime role's URL), each check within `within`, closed with the layer's scope. */
export const make = (url: string, within: Duration.Duration = DEADLINE) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const connectSeconds = Math.max(1, Math.ceil(Duration.toSeconds(within)));
      const state = { sql: open(url, connectSeconds) };
      // A check that timed out may hold the only connection (a server that accepted and went silent): the next
      // check gets a fresh pool instead of waiting behind it, and the stale one is torn down.
      const replace = Effect.sync(() => {
        const stale = state.sql;
        state.sql = open(url, connectSeconds);
        stale.end({ timeout: 0 }).catch(() => {});
      });
      const check = Effect.suspend(() => {
        const { sql } = state;
        return Effect.tryPromise({ try: () => sql`select 1`, catch: DbErrors.fromCause });
      }).pipe(
        Effect.mapError((error) => new Unhealthy({ reason: reasonOf(error), error })),
        Effect.timeoutFail({
          duration: within,
          onTimeout: () =>
            new Unhealthy({
              reason: "database timed out",
              error: new HealthCheckTimeout({ ms: Duration.toMillis(within) }),
            }),
        }),
        Effect.tapError((failure) => (failure.error._tag === "HealthCheckTimeout" ? replace : Effect.void)),
        Effect.asVoid,
      );
      return { state, check };
    }),
    ({ state }) => Effect.promise(() => state.sql.end({ timeout: 1 }).catch(() => {})),
  ).pipe(Effect.map(({ check }): HealthDbShape => ({ check })));

/** The health pool on `url`, each check within `within` (`DEADLINE` unless given: `bun run start` reads `deadline`). */
export const layerFromUrl = (url: string, within: Duration.Duration = DEADLINE): Layer.Layer<HealthDb> =>
  Layer.scoped(HealthDb, make(url, within));
