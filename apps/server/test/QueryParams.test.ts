import * as OpenApi from "@effect/platform/OpenApi";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { Api } from "../src/Api.ts";
import { MAX_ECHO } from "../src/DecodeErrors.ts";
import { DOCS_PATH, OPENAPI_PATH } from "../src/Server.ts";
import { call, callWithHeaders, count } from "./support/Client.ts";
import { layer } from "./support/TestServer.ts";

/** Path parameters filled with text: the query check runs before the path is decoded. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, "x");

describe("query parameters", () => {
  it.layer(layer)((it) => {
    it.effect("an unknown one is 400 naming it, on every operation of the document", () =>
      Effect.gen(function* () {
        const operations = Object.entries(OpenApi.fromApi(Api).paths).flatMap(([path, methods]) =>
          Object.keys(methods).map((method) => [method.toUpperCase(), path] as const),
        );
        assert.isAtLeast(operations.length, 18);
        for (const [method, path] of [...operations, ["GET", OPENAPI_PATH] as const, ["GET", DOCS_PATH] as const]) {
          const reply = yield* call(method, `${concrete(path)}?verbose=1`);
          assert.strictEqual(reply.status, 400, `${method} ${path}`);
          assert.strictEqual(reply.body._tag, "HttpApiDecodeError");
          assert.match(reply.body.message, /^unknown query parameter "verbose"; /, `${method} ${path}`);
          assert.deepStrictEqual(reply.body.issues[0].path, ["verbose"]);
        }
      }),
    );

    it.effect("the message says what the route takes, and repeats at most 80 characters of the name", () =>
      Effect.gen(function* () {
        const misspelt = yield* callWithHeaders("GET", "/v1/documents?limt=5");
        assert.strictEqual(misspelt.body.message, 'unknown query parameter "limt"; expected: cursor, limit');
        assert.isNotNull(misspelt.headers.get("x-request-id"));
        const none = yield* call("GET", "/health?x=1");
        assert.strictEqual(none.body.message, 'unknown query parameter "x"; this endpoint takes none');
        const long = yield* call("GET", `/v1/documents?${"a".repeat(5000)}=1`);
        assert.strictEqual(long.status, 400);
        const text = JSON.stringify(long.body);
        assert.include(text, "a".repeat(MAX_ECHO));
        assert.notInclude(text, "a".repeat(MAX_ECHO + 1));
      }),
    );

    it.effect("known parameters go on to the schemas and the token check; unknown paths stay 404", () =>
      Effect.gen(function* () {
        // No token: past the query check, the next refusal is the missing token (checked before the schemas).
        assert.strictEqual((yield* call("GET", "/v1/documents?limit=5&cursor=")).status, 401);
        assert.strictEqual((yield* call("GET", "/v1/documents?limit=0")).status, 401);
        assert.strictEqual((yield* call("GET", "/health")).status, 200);
        assert.strictEqual((yield* call("GET", "/v1/nothing?x=1")).status, 404);
      }),
    );

    it.effect("a write with an unknown parameter is refused before it runs", () =>
      Effect.gen(function* () {
        const users = yield* count("shared_user");
        const reply = yield* call("POST", "/v1/signup?dryRun=true", {
          body: { email: "query@params.example", name: "Q", organizationName: "Query" },
        });
        assert.strictEqual(reply.status, 400);
        assert.include(reply.body.message, '"dryRun"');
        assert.strictEqual(yield* count("shared_user"), users);
      }),
    );
  });
});
