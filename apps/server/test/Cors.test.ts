import { assert, describe, it } from "@effect/vitest";
import { ConfigProvider, Effect, Either, Option } from "effect";
import * as Cors from "../src/Cors.ts";
import * as HttpConfig from "../src/HttpConfig.ts";
import * as Start from "../src/Start.ts";
import { callWithHeaders } from "./support/Client.ts";
import { layer, layerWithHttp } from "./support/TestServer.ts";

const APP = "https://app.beep.example";
const LOCAL = "http://localhost:5173";
const EVIL = "https://evil.example";

const corsHeaders = (headers: Headers) =>
  [...headers.keys()].filter((name) => name.startsWith("access-control-")).sort();

const preflight = (origin: string, path = "/v1/documents") =>
  callWithHeaders("OPTIONS", path, {
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
  });

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))));

describe("CORS", () => {
  describe("CORS_ORIGINS and PUBLIC_URL", () => {
    it.effect("are exact origins, comma-separated; unset is none", () =>
      Effect.gen(function* () {
        assert.deepStrictEqual(yield* HttpConfig.config.pipe(withEnv({})), {
          corsOrigins: [],
          publicUrl: Option.none(),
        });
        const set = yield* HttpConfig.config.pipe(
          withEnv({ CORS_ORIGINS: ` ${APP}, ${LOCAL},`, PUBLIC_URL: "https://api.beep.example/" }),
        );
        assert.deepStrictEqual(set, { corsOrigins: [APP, LOCAL], publicUrl: Option.some("https://api.beep.example") });
        for (const bad of ["*", `${APP}/`, `${APP}/path`, "app.beep.example", "ftp://files.example"]) {
          const result = yield* Effect.either(HttpConfig.corsOrigins.pipe(withEnv({ CORS_ORIGINS: bad })));
          assert.isTrue(Either.isLeft(result), bad);
        }
        const left = yield* Effect.flip(HttpConfig.publicUrl.pipe(withEnv({ PUBLIC_URL: "not a url" })));
        assert.include(Start.describeConfigError(left), "PUBLIC_URL");
      }),
    );

    it.effect("bun run start refuses a bad CORS_ORIGINS, naming it", () =>
      Effect.gen(function* () {
        const refused = yield* Effect.flip(
          Start.config.pipe(
            withEnv({
              AUTH_SECRET: "a".repeat(32),
              APP_DATABASE_URL: "postgres://beep_app@localhost/beep",
              BEEP_CONTEXT_KEY: "k".repeat(32),
              CORS_ORIGINS: `${APP},*`,
            }),
          ),
        );
        assert.include(refused.reason, 'CORS_ORIGINS: "*" is not an exact origin');
        const started = yield* Start.config.pipe(
          withEnv({
            AUTH_SECRET: "a".repeat(32),
            APP_DATABASE_URL: "postgres://beep_app@localhost/beep",
            BEEP_CONTEXT_KEY: "k".repeat(32),
            CORS_ORIGINS: APP,
          }),
        );
        assert.deepStrictEqual(started.http.corsOrigins, [APP]);
      }),
    );
  });

  describe("off (the default)", () => {
    it.layer(layer)((it) => {
      it.effect("no CORS header on any answer, and a preflight is an unknown route", () =>
        Effect.gen(function* () {
          const health = yield* callWithHeaders("GET", "/health", { headers: { origin: APP } });
          assert.strictEqual(health.status, 200);
          assert.deepStrictEqual(corsHeaders(health.headers), []);
          const options = yield* preflight(APP);
          assert.strictEqual(options.status, 404);
          assert.deepStrictEqual(corsHeaders(options.headers), []);
        }),
      );
    });
  });

  describe("on for two origins", () => {
    it.layer(layerWithHttp({ corsOrigins: [APP, LOCAL] }))((it) => {
      it.effect("a listed origin's preflight is 204 with the methods and headers allowed", () =>
        Effect.gen(function* () {
          for (const origin of [APP, LOCAL]) {
            const reply = yield* preflight(origin);
            assert.strictEqual(reply.status, 204);
            assert.strictEqual(reply.headers.get("access-control-allow-origin"), origin);
            assert.strictEqual(reply.headers.get("access-control-allow-methods"), Cors.ALLOWED_METHODS);
            assert.strictEqual(reply.headers.get("access-control-allow-headers"), Cors.ALLOWED_HEADERS);
            assert.strictEqual(reply.headers.get("access-control-max-age"), String(Cors.MAX_AGE_SECONDS));
            assert.isNull(reply.headers.get("access-control-allow-credentials"));
            assert.strictEqual(reply.headers.get("vary"), "Origin");
          }
        }),
      );

      it.effect("a listed origin's answers carry its origin, refusals and failures included", () =>
        Effect.gen(function* () {
          const answers = [
            yield* callWithHeaders("GET", "/health", { headers: { origin: APP } }),
            yield* callWithHeaders("GET", "/v1/documents", { headers: { origin: APP } }),
            yield* callWithHeaders("GET", "/v1/documents?x=1", { headers: { origin: APP } }),
            yield* callWithHeaders("POST", "/v1/documents", {
              headers: { origin: APP, "content-type": "text/plain" },
              rawBody: "hello",
            }),
          ];
          assert.deepStrictEqual(
            answers.map((a) => a.status),
            [200, 401, 400, 415],
          );
          for (const answer of answers) {
            assert.strictEqual(answer.headers.get("access-control-allow-origin"), APP, String(answer.status));
            assert.strictEqual(answer.headers.get("access-control-expose-headers"), "x-request-id");
            assert.strictEqual(answer.headers.get("vary"), "Origin");
            assert.isNotNull(answer.headers.get("x-request-id"));
          }
        }),
      );

      it.effect("any other origin, or none, gets no CORS header; its preflight is not answered", () =>
        Effect.gen(function* () {
          for (const headers of [{ origin: EVIL }, { origin: `${APP}.evil.example` }, { origin: "null" }, {}]) {
            const reply = yield* callWithHeaders("GET", "/health", { headers });
            assert.strictEqual(reply.status, 200);
            assert.deepStrictEqual(corsHeaders(reply.headers), []);
            assert.strictEqual(reply.headers.get("vary"), "Origin");
          }
          const refused = yield* preflight(EVIL);
          assert.strictEqual(refused.status, 404);
          assert.deepStrictEqual(corsHeaders(refused.headers), []);
        }),
      );
    });
  });
});
