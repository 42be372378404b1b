import { ContextTicket } from "@beep/shared-tables";
import { Command, Options, ValidationError } from "@effect/cli";
import { Cause, Config, ConfigError, Console, Data, Effect, Option, Redacted } from "effect";
import * as AppRole from "./AppRole.ts";
import * as Cluster from "./Cluster.ts";
import * as ContextKey from "./ContextKey.ts";
import * as DevDatabase from "./DevDatabase.ts";
import * as Diff from "./Diff.ts";
import * as Distribution from "./Distribution.ts";
import * as DrizzleKit from "./DrizzleKit.ts";
import * as Generate from "./Generate.ts";
import * as Seed from "./Seed.ts";
import * as Upgrade from "./Upgrade.ts";
import * as Verify from "./Verify.ts";

/**
 * `bun src/bin/cli.ts <generate|migrate|distribute|verify|diff|seed|studio>`. Without DATABASE_URL, the commands that need a
 * database use the dev database (`DevDatabase`), starting it for the command or reusing a running one.
 */

const isPostgresUrl = (value: string) => {
  try {
    return ["postgres:", "postgresql:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/** An optional connection string (unset or empty: none); anything but a postgres:// URL is refused. */
const connectionString = (name: string) =>
  Config.option(
    Config.string(name).pipe(
      Config.validate({
        message: "Expected a postgres:// connection string",
        validation: (value) => value.trim() === "" || isPostgresUrl(value),
      }),
    ),
  ).pipe(Config.map(Option.filter((value) => value.trim() !== "")));

const databaseUrl = connectionString("DATABASE_URL");
/** Shards per table for tables distributed now (Citus's `citus.shard_count` when unset). */
const shardCount = Config.option(
  Config.integer("BEEP_SHARD_COUNT").pipe(
    Config.validate({ message: "BEEP_SHARD_COUNT: expected 1 to 1024", validation: (n) => n >= 1 && n <= 1024 }),
  ),
).pipe(Config.map(Option.getOrUndefined));
const appDatabaseUrl = connectionString("APP_DATABASE_URL");
const appPassword = Config.option(Config.redacted("BEEP_APP_PASSWORD"));
const contextKey = Config.option(
  Config.redacted("BEEP_CONTEXT_KEY").pipe(
    Config.validate({
      message: `BEEP_CONTEXT_KEY: expected at least ${ContextTicket.MIN_KEY_LENGTH} characters (for example: openssl rand -base64 32)`,
      validation: (key) => Redacted.value(key).length >= ContextTicket.MIN_KEY_LENGTH,
    }),
  ),
);

/** With DATABASE_URL, the runtime role's login must come from the operator: never a public default. */
class AppLoginMissing extends Data.TaggedError("AppLoginMissing")<Record<never, never>> {
  override get message() {
    return "DATABASE_URL is set: set APP_DATABASE_URL (beep_app's connection string), or BEEP_APP_PASSWORD to have beep_app's password set here";
  }
}

/** The migrator's connection and the context key: DATABASE_URL with BEEP_CONTEXT_KEY, else the dev database's. */
const target = Effect.gen(function* () {
  const admin = yield* databaseUrl;
  const key = yield* contextKey;
  // The dev database keeps its own beep_app password: BEEP_APP_PASSWORD is for a database of the operator's.
  if (Option.isSome(admin)) return { adminUrl: admin.value, contextKey: key, appPassword: yield* appPassword };
  const server = yield* DevDatabase.serverFromConfig;
  return {
    adminUrl: server.adminUrl,
    contextKey: Option.orElse(key, () => Option.some(Redacted.make(server.secrets.contextKey))),
    appPassword: Option.none(),
  };
});

const adminUrl = Effect.map(target, ({ adminUrl }) => adminUrl);

/** The runtime role's URL and the key to sign with: APP_DATABASE_URL or beep_app on DATABASE_URL, or the dev database. */
const appTarget = Effect.gen(function* () {
  const admin = yield* databaseUrl;
  if (Option.isNone(admin)) {
    const dev = yield* DevDatabase.make;
    return { appUrl: dev.appUrl, contextKey: dev.contextKey };
  }
  const key = yield* contextKey;
  if (Option.isNone(key)) return yield* Effect.fail(new ContextKey.ContextKeyMissing());
  const configured = yield* appDatabaseUrl;
  if (Option.isSome(configured)) return { appUrl: configured.value, contextKey: Redacted.value(key.value) };
  const password = yield* appPassword;
  if (Option.isNone(password)) return yield* Effect.fail(new AppLoginMissing());
  const appUrl = yield* AppRole.provision(admin.value, Redacted.value(password.value));
  return { appUrl, contextKey: Redacted.value(key.value) };
});

const allowDestructive = Options.boolean("allow-destructive").pipe(
  Options.withDescription("write a diff that drops tables or columns or changes a column's type (refused otherwise)"),
);

const generate = Command.make("generate", { allowDestructive }, (options) =>
  Effect.gen(function* () {
    const { written, answered } = yield* Generate.generate({ allowDestructive: options.allowDestructive });
    if (answered.length > 0) {
      yield* Console.log(
        `drizzle-kit asked whether these were created or renamed; answered "created" (never a rename; drops are refused without --allow-destructive): ${answered.join(", ")}`,
      );
    }
    if (written.length === 0) yield* Console.log("migrations are in sync with the schema");
    for (const tag of written) yield* Console.log(`wrote drizzle/${tag}.sql`);
  }),
).pipe(
  Command.withDescription(
    "drizzle-kit generate, then the roles, FORCE RLS and grants it cannot emit; refuses to drop or retype without --allow-destructive",
  ),
);

const migrate = Command.make("migrate", {}, () =>
  Effect.scoped(
    Effect.gen(function* () {
      const { adminUrl, contextKey, appPassword } = yield* target;
      yield* Upgrade.run({ url: adminUrl, contextKey, appPassword, shardCount: yield* shardCount, log: Console.log });
    }),
  ),
).pipe(
  Command.withDescription(
    "apply pending migrations (one transaction, one at a time), set beep_app's password (BEEP_APP_PASSWORD), add audit partitions",
  ),
);

const json = Options.boolean("json").pipe(Options.withDescription("print the results as JSON"));

const verify = Command.make("verify", { json }, ({ json }) =>
  Effect.scoped(
    Effect.gen(function* () {
      const report = yield* Verify.verify(yield* adminUrl);
      yield* Console.log(json ? JSON.stringify(report, null, 2) : Verify.renderTable(report));
      if (!report.ok) return yield* new Verify.VerifyFailed({ report });
    }),
  ),
).pipe(Command.withDescription("check RLS, policies, partitions, keys, views, functions and roles of a live database"));

const all = Options.boolean("all").pipe(
  Options.withDescription("show what is as declared too, not only the differences"),
);

const diff = Command.make("diff", { all }, ({ all }) =>
  Effect.gen(function* () {
    const result = yield* Diff.diff(yield* adminUrl);
    yield* Console.log(Diff.render(result, { all }));
    if (result.differences > 0) return yield* new Diff.DiffFound({ result });
  }).pipe(Effect.scoped),
).pipe(
  Command.withDescription(
    "the live policies, keys and grants against a scratch database migrated from drizzle/ (on the same server); exits 1 on any difference",
  ),
);

const seed = Command.make("seed", {}, () =>
  Effect.scoped(
    Effect.gen(function* () {
      const { appUrl, contextKey } = yield* appTarget;
      const result = yield* Seed.run(appUrl, contextKey);
      const width = Math.max(...result.organizations.map((org) => org.name.length));
      for (const org of result.organizations) {
        yield* Console.log(
          `${org.name.padEnd(width)}  ${org.id}  owner ${org.owner.name} <${org.owner.email}> ${org.owner.id}`,
        );
      }
      yield* Console.log(result.created === 0 ? "already seeded: nothing created" : `created ${result.created} rows`);
    }),
  ),
).pipe(Command.withDescription("create the demo organizations Acme and Globex as beep_app (idempotent)"));

/** `db:distribute` on a database without Citus. */
class NotCitus extends Data.TaggedError("NotCitus")<Record<never, never>> {
  override get message() {
    return "the database has no citus extension: nothing to distribute (CREATE EXTENSION citus on every node first)";
  }
}

const planOnly = Options.boolean("plan").pipe(Options.withDescription("print the plan, change nothing"));

const distribute = Command.make("distribute", { plan: planOnly }, ({ plan }) =>
  Effect.scoped(
    Effect.gen(function* () {
      if (plan) {
        for (const placement of Distribution.plan()) yield* Console.log(Distribution.describe(placement));
        return;
      }
      const url = yield* adminUrl;
      const result = yield* Cluster.settle(url, { shardCount: yield* shardCount, log: Console.log });
      if (result === undefined) return yield* new NotCitus();
      if (result.distributed.length === 0 && result.repaired.length === 0 && result.keysCopied === 0) {
        yield* Console.log("citus: every table is distributed as planned, every shard's policies as its table's");
      }
    }),
  ),
).pipe(
  Command.withDescription(
    "on Citus: distribute the tables as the registry plans (db:migrate does it too), put shard policies right; --plan prints the plan",
  ),
);

class StudioFailed extends Data.TaggedError("StudioFailed")<{ readonly reason: string }> {
  override get message() {
    return `studio failed: ${this.reason}`;
  }
}

const studioPort = Options.integer("port").pipe(
  Options.withDefault(4983),
  Options.withDescription("the port studio's API listens on (default 4983)"),
);
const studioHost = Options.text("host").pipe(
  Options.withDefault("127.0.0.1"),
  Options.withDescription("the address studio's API listens on (default 127.0.0.1: this machine only)"),
);

const studio = Command.make("studio", { port: studioPort, host: studioHost }, (listen) =>
  Effect.scoped(
    Effect.flatMap(adminUrl, (url) =>
      Effect.async<void, StudioFailed>((resume) => {
        // Said before it starts: the page drizzle-kit prints is not served from here.
        process.stderr.write(
          `db:studio: its API listens on ${listen.host}:${listen.port}, with the database's rows; the page it prints is served from the internet (local.drizzle.studio) and your browser connects from it to this API\n`,
        );
        const child = DrizzleKit.studio(url, listen);
        child.on("error", (error) => resume(Effect.fail(new StudioFailed({ reason: error.message }))));
        child.on("exit", (code) =>
          resume(code === 0 || code === null ? Effect.void : Effect.fail(new StudioFailed({ reason: `exit ${code}` }))),
        );
        return Effect.sync(() => child.kill("SIGTERM"));
      }),
    ),
  ),
).pipe(
  Command.withDescription(
    "drizzle-kit studio on the database (the dev database stays up while it runs); --port, --host (default 127.0.0.1)",
  ),
);

const db = Command.make("db").pipe(
  Command.withDescription("beep database administration"),
  Command.withSubcommands([generate, migrate, distribute, verify, diff, seed, studio]),
);

export const run = Command.run(db, { name: "beep db", version: "0.0.0" });

/** One line for a failed command, or undefined when the CLI already printed it (bad arguments, help). */
export const describeFailure = (cause: Cause.Cause<unknown>): string | undefined => {
  if (Cause.isInterruptedOnly(cause)) return undefined;
  const failure = Cause.failureOption(cause);
  if (Option.isSome(failure)) {
    const error = failure.value;
    if (ValidationError.isValidationError(error)) return undefined;
    if (ConfigError.isConfigError(error)) return `invalid configuration: ${String(error)}`;
    const message = error instanceof Error || (typeof error === "object" && error !== null && "message" in error);
    return (message ? String((error as { message: unknown }).message) : String(error)).split("\n")[0];
  }
  const defect = Cause.squash(cause);
  return `unexpected error: ${(defect instanceof Error ? defect.message : String(defect)).split("\n")[0]}`;
};
