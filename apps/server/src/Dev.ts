import { HttpServer } from "@effect/platform";
import { Console, Effect, Layer, Option, Redacted, type Scope } from "effect";
import * as DevConfig from "./DevConfig.ts";
import type { Tenancy } from "./internal/Tenancy.ts";
import * as PortCheck from "./PortCheck.ts";
import * as Server from "./Server.ts";
import * as Token from "./Token.ts";

export interface DatabaseUrls {
  /** Owner/superuser: migrations and seeding. */
  readonly adminUrl: string;
  /** The runtime role `beep_app`. */
  readonly appUrl: string;
}

export interface DemoOrganization {
  readonly name: string;
  readonly organizationId: string;
  readonly userId: string;
}

/** What the dev command needs from the database tooling; `bin/dev.ts` wires the real ones. */
export interface Backends {
  /** The embedded PostgreSQL with its data in `dataDir`, migrated; stopped when the scope closes. */
  readonly embedded: (options: {
    readonly dataDir: string;
    readonly port: Option.Option<number>;
  }) => Effect.Effect<DatabaseUrls, unknown, Scope.Scope>;
  /** Migrates an external database; returns the runtime role's URL. */
  readonly external: (adminUrl: string, appUrl: Option.Option<string>) => Effect.Effect<DatabaseUrls, unknown>;
  /** Creates the demo organizations when the database has none; returns them either way. */
  readonly seed: (urls: DatabaseUrls) => Effect.Effect<ReadonlyArray<DemoOrganization>, unknown>;
  readonly tenancy: (appUrl: string) => Layer.Layer<Tenancy, unknown>;
}

/** Dev tokens last a working day. */
const DEV_TOKEN_TTL_SECONDS = 12 * 60 * 60;

const curlLine = (baseUrl: string, token: string) => `curl -H "Authorization: Bearer ${token}" ${baseUrl}/v1/documents`;

const databaseUrls = (config: DevConfig.DevConfig, backends: Backends) =>
  Option.match(config.databaseUrl, {
    onNone: () =>
      Effect.gen(function* () {
        yield* Console.log(`starting embedded PostgreSQL (data in ${config.dataDir}) ...`);
        return yield* backends.embedded({ dataDir: config.dataDir, port: config.pgPort });
      }),
    onSome: (url) =>
      Effect.gen(function* () {
        yield* Console.log("using DATABASE_URL ...");
        return yield* backends.external(Redacted.value(url), Option.map(config.appDatabaseUrl, Redacted.value));
      }),
  });

/**
 * `bun run dev`: check the port, bring up the database (embedded unless `DATABASE_URL`), migrate, seed,
 * serve, and print a ready curl line per demo organization. Runs until interrupted (SIGINT/SIGTERM),
 * then stops accepting, lets in-flight requests finish, closes the pool and stops the database.
 */
export const program = (backends: Backends) =>
  Effect.gen(function* () {
    const config = yield* DevConfig.config;
    yield* PortCheck.ensureFree(config.host, config.port);
    const secret = Option.getOrElse(config.authSecret, () => Redacted.make(DevConfig.DEV_AUTH_SECRET));
    const urls = yield* databaseUrls(config, backends);
    const demo = yield* backends.seed(urls);
    const tokens = yield* Token.make(secret);
    const context = yield* Layer.build(
      Server.layer({ port: config.port, host: config.host }).pipe(
        Layer.provide(backends.tenancy(urls.appUrl)),
        Layer.provide(Layer.succeed(Token.Tokens, tokens)),
      ),
    );
    const address = (yield* Effect.provide(HttpServer.HttpServer, context)).address;
    const port = address._tag === "TcpAddress" ? address.port : config.port;
    const baseUrl = `http://${config.host}:${port}`;
    yield* Effect.addFinalizer(() => Console.log("shutting down: stopped accepting, finishing in-flight requests"));
    const lines = [
      "",
      `beep API     ${baseUrl}/v1`,
      `docs         ${baseUrl}${Server.DOCS_PATH}`,
      `openapi      ${baseUrl}${Server.OPENAPI_PATH}`,
      `health       ${baseUrl}/health`,
    ];
    if (Option.isNone(config.authSecret)) {
      lines.push(
        "",
        "warning: AUTH_SECRET is not set, so tokens are signed with the built-in dev secret: for development only, never deploy with it.",
      );
    }
    lines.push("", "try it (one line per demo organization):");
    for (const organization of demo) {
      const issued = yield* tokens.issue(
        { userId: organization.userId as never, organizationId: organization.organizationId as never },
        DEV_TOKEN_TTL_SECONDS,
      );
      lines.push(`  # ${organization.name}`, `  ${curlLine(baseUrl, issued.token)}`);
    }
    lines.push("", "press Ctrl-C to stop", "");
    yield* Console.log(lines.join("\n"));
    return yield* Effect.never;
  });
