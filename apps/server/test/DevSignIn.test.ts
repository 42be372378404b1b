import {
  create as createMigrated,
  MigratedDatabase,
  type MigratedDatabaseInfo,
  layer as migratedDatabase,
} from "@beep/db-admin/testing";
import { SharedEntityIds } from "@beep/shared-domain";
import * as HttpServer from "@effect/platform/HttpServer";
import { assert, describe, it } from "@effect/vitest";
import { Clock, Context, Effect, Layer, ManagedRuntime, Redacted } from "effect";
import { decodeJwt, decodeProtectedHeader } from "jose";
import * as DevIssuer from "../src/DevIssuer.ts";
import * as Identity from "../src/Identity.ts";
import * as Oidc from "../src/Oidc.ts";
import * as RequestLog from "../src/RequestLog.ts";
import * as Server from "../src/Server.ts";
import * as Token from "../src/Token.ts";
import { AUDIENCE, addMember, ISSUER, provider, TestProvider } from "./support/AuthFixtures.ts";
import { adminQuery, call } from "./support/Client.ts";
import { startServer, within } from "./support/DevProcess.ts";
import { LISTENING, startEnv, stopServer } from "./support/StartProcess.ts";
import { AUTH_SECRET, layer as startLike, TestServer } from "./support/TestServer.ts";

/** The server as `bun run dev` builds it with no identity provider: `DevApiLive`, its own issuer. */
const devServer = Layer.unwrapEffect(
  Effect.gen(function* () {
    const db = yield* MigratedDatabase;
    const issuer = yield* DevIssuer.make;
    return Layer.scopedContext(
      Effect.gen(function* () {
        const scope = yield* Effect.scope;
        const logs: Array<RequestLog.RequestLine> = [];
        const pools = yield* Layer.buildWithScope(Server.database(db.appUrl, db.contextKey), scope);
        const built = yield* Layer.buildWithScope(
          Server.layer({ port: 0, host: "127.0.0.1", api: Server.DevApiLive }).pipe(
            Layer.provide(Layer.succeedContext(pools)),
            Layer.provide(Token.layer(Redacted.make(AUTH_SECRET))),
            Layer.provide(Layer.succeed(DevIssuer.DevIssuer, issuer)),
            Layer.provide(Layer.succeed(Oidc.Issuers, [issuer.issuer])),
            Layer.provide(Layer.succeed(RequestLog.LogSink, (line: string) => logs.push(JSON.parse(line)))),
          ),
          scope,
        );
        const { address } = Context.get(built, HttpServer.HttpServer);
        return Context.add(pools, TestServer, {
          baseUrl: `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}`,
          adminUrl: db.adminUrl,
          logs,
        });
      }).pipe(Effect.withClock(Clock.make())),
    );
  }),
);

/** A dev token made outside any server: what a start server must refuse. */
const strangerToken = Effect.flatMap(DevIssuer.make, (issuer) => issuer.signIn({ email: "x@dev.example" }));

describe("dev sign-in, in bun run dev", () => {
  it.layer(devServer.pipe(Layer.provide(migratedDatabase)), { timeout: 60_000 })((it) => {
    it.effect("issues a dev issuer's token for an email; its first use creates the user (verified email)", () =>
      Effect.gen(function* () {
        const signedIn = yield* call("POST", "/v1/dev/sign-in", { body: { email: "New@Dev.Example", name: "Newt" } });
        assert.strictEqual(signedIn.status, 200);
        const { token, userId } = signedIn.body;
        assert.strictEqual(userId, Identity.userIdFor(DevIssuer.ISSUER, "new@dev.example"));
        assert.strictEqual(decodeProtectedHeader(token).alg, "ES256");
        assert.deepInclude(decodeJwt(token) as Record<string, unknown>, {
          iss: DevIssuer.ISSUER,
          aud: DevIssuer.AUDIENCE,
          sub: "new@dev.example",
        });
        const noOrganization = yield* call("GET", "/v1/documents", { token });
        assert.strictEqual(noOrganization.status, 400);
        const [row] = yield* adminQuery("select email, email_verified, name, issuer from shared_user where id = $1", [
          userId,
        ]);
        assert.deepStrictEqual(row, {
          email: "new@dev.example",
          email_verified: true,
          name: "Newt",
          issuer: DevIssuer.ISSUER,
        });
        // The same path as a provider's token: a member with X-Organization-Id acts there.
        const organizationId = SharedEntityIds.OrganizationId.create();
        yield* addMember(organizationId, userId, "owner", { organization: true });
        const headers = { "x-organization-id": organizationId };
        assert.strictEqual((yield* call("GET", "/v1/documents", { token, headers })).status, 200);
        // Signing in again is the same user.
        const again = yield* call("POST", "/v1/dev/sign-in", { body: { email: "new@dev.example" } });
        assert.strictEqual(again.body.userId, userId);
      }),
    );

    it.effect("its JWKS is the public key only; a token of another dev process is refused", () =>
      Effect.gen(function* () {
        const jwks = yield* call("GET", "/v1/dev/jwks");
        assert.strictEqual(jwks.status, 200);
        assert.lengthOf(jwks.body.keys, 1);
        assert.deepInclude(jwks.body.keys[0], { kty: "EC", crv: "P-256", alg: "ES256" });
        assert.notProperty(jwks.body.keys[0], "d");
        const stranger = yield* strangerToken;
        const refused = yield* call("GET", "/v1/documents", { token: stranger.token });
        assert.deepStrictEqual(
          [refused.status, refused.body.message],
          [401, "token signing key is not one of the issuer's keys"],
        );
        const bad = yield* call("POST", "/v1/dev/sign-in", { body: { email: "not-an-email" } });
        assert.strictEqual(bad.status, 400);
      }),
    );
  });
});

describe("dev sign-in, without bun run dev", () => {
  it.layer(startLike)((it) => {
    it.effect("the server of bun run start has no dev routes and refuses dev tokens", () =>
      Effect.gen(function* () {
        assert.strictEqual((yield* call("POST", "/v1/dev/sign-in", { body: { email: "a@b.example" } })).status, 404);
        assert.strictEqual((yield* call("GET", "/v1/dev/jwks")).status, 404);
        const spec = yield* call("GET", "/openapi.json");
        assert.isFalse(Object.keys(spec.body.paths).some((path) => path.startsWith("/v1/dev")));
        const stranger = yield* strangerToken;
        const refused = yield* call("GET", "/v1/documents", { token: stranger.token });
        assert.deepStrictEqual([refused.status, refused.body.message], [401, "token issuer is not accepted"]);
      }),
    );
  });

  it("bun run start answers 404 for the dev sign-in and accepts its identity provider's tokens", {
    timeout: 90_000,
  }, async () => {
    const migrated: MigratedDatabaseInfo & { readonly drop: () => Promise<void> } = await createMigrated();
    const runtime = ManagedRuntime.make(provider);
    try {
      const idp = await runtime.runPromise(TestProvider);
      const env = await startEnv(migrated, {
        AUTH_JWKS_URL: idp.jwksUrl,
        AUTH_ISSUER: ISSUER,
        AUTH_AUDIENCE: AUDIENCE,
      });
      const run = startServer(env);
      try {
        const listening = await within(
          new Promise<string>((resolve, reject) => {
            const timer = setInterval(() => {
              const found = LISTENING.exec(run.output());
              if (found?.[1] !== undefined) {
                clearInterval(timer);
                resolve(found[1]);
              }
            }, 100);
            run.exited.then(() => {
              clearInterval(timer);
              reject(new Error(run.output()));
            });
          }),
          60_000,
          `start did not listen:\n${run.output()}`,
        );
        const signIn = await fetch(`${listening}/v1/dev/sign-in`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "a@b.example" }),
        });
        assert.strictEqual(signIn.status, 404);
        const token = await runtime.runPromise(
          Effect.flatMap(TestProvider, (p) => p.sign({ sub: "start-user", email: "s@start.example" })),
        );
        const verified = await fetch(`${listening}/v1/documents`, { headers: { authorization: `Bearer ${token}` } });
        // Verified against the provider's JWKS: only the organization is missing.
        assert.deepStrictEqual(
          [verified.status, ((await verified.json()) as { message: string }).message],
          [400, "name the organization: send the X-Organization-Id header"],
        );
      } finally {
        assert.strictEqual(await stopServer(run), 0, run.output());
      }
    } finally {
      await runtime.dispose();
      await migrated.drop();
    }
  });
});
