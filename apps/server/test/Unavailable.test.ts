import { SharedEntityIds } from "@beep/shared-domain";
import { EmbeddedPostgres } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Layer, Redacted } from "effect";
import * as Server from "../src/Server.ts";
import * as Token from "../src/Token.ts";
import { call } from "./support/Client.ts";
import { AUTH_SECRET, serve } from "./support/TestServer.ts";

// Nothing listens on this port: every connection attempt is refused.
const deadDatabase = Layer.unwrapEffect(
  Effect.promise(() => EmbeddedPostgres.freePort()).pipe(
    Effect.map((port) => {
      const url = `postgres://beep_app:x@127.0.0.1:${port}/beep`;
      return serve(Server.database(url, "a-key-for-a-database-that-is-not-there", { connectTimeoutSeconds: 2 }), url);
    }),
  ),
);

describe("database down", () => {
  it.layer(deadDatabase)((it) => {
    it.effect("health and every database-backed request are 503; auth still answers 401 first", () =>
      Effect.gen(function* () {
        const health = yield* call("GET", "/health");
        assert.deepStrictEqual(health, {
          status: 503,
          body: { _tag: "ServiceUnavailable", message: "database unavailable" },
        });
        const tokens = yield* Token.make(Redacted.make(AUTH_SECRET));
        const { token } = yield* tokens.issue({
          userId: SharedEntityIds.UserId.create(),
          organizationId: SharedEntityIds.OrganizationId.create(),
        });
        const list = yield* call("GET", "/v1/documents", { token });
        assert.deepStrictEqual(list, {
          status: 503,
          body: { _tag: "ServiceUnavailable", message: "database unavailable" },
        });
        const signup = yield* call("POST", "/v1/signup", {
          body: { email: "down@example.com", name: "Down", organizationName: "Down" },
        });
        assert.strictEqual(signup.status, 503);
        const unauthenticated = yield* call("GET", "/v1/documents");
        assert.strictEqual(unauthenticated.status, 401);
      }),
    );
  });
});
