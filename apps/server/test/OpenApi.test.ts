import * as HttpApi from "@effect/platform/HttpApi";
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint";
import * as HttpApiGroup from "@effect/platform/HttpApiGroup";
import * as OpenApi from "@effect/platform/OpenApi";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Option, Schema } from "effect";
import { Api } from "../src/Api.ts";
import * as ApiDocument from "../src/ApiDocument.ts";
import * as Pagination from "../src/Pagination.ts";
import { OPENAPI_PATH } from "../src/Server.ts";
import { call } from "./support/Client.ts";
import { problems, subjects } from "./support/OpenApiRules.ts";
import { layerWithHttp, TestServer } from "./support/TestServer.ts";

// Every shortcut the rules forbid, once: the rules must find each of them.
class Sloppy extends HttpApi.make("sloppy")
  .add(
    HttpApiGroup.make("things")
      .add(
        HttpApiEndpoint.get("list", "/things")
          .setUrlParams(Schema.Struct({ limit: Schema.NumberFromString.pipe(Schema.int()) }))
          .addSuccess(
            Schema.Struct({
              name: Schema.Trim,
              label: Schema.String.pipe(Schema.maxLength(5)),
              seenAt: Schema.Date,
              size: Schema.Int,
            }).annotations({
              identifier: "Thing",
            }),
          ),
      )
      .add(HttpApiEndpoint.get("get", "/things/:n").setPath(Schema.Struct({ n: Schema.NumberFromString }))),
  )
  .prefix("/v1") {}

describe("the OpenAPI document", () => {
  it("has a summary per operation, a described tag per group, no internal schema names, typed dates and integers", () => {
    assert.deepStrictEqual(problems(Api), []);
  });

  it("checks what it found: every endpoint, the timestamps, the numeric parameters", () => {
    const found = subjects(Api);
    const paths = Object.values(OpenApi.fromApi(Api).paths).flatMap((methods) => Object.keys(methods));
    assert.strictEqual(found.endpoints, paths.length);
    assert.includeMembers(found.dates, ["createdAt", "updatedAt", "expiresAt", "occurredAt"]);
    // `limit` on every list: documents, versions, discussions, comments, members, audit events at least.
    assert.isAtLeast(found.numberParameters, 6);
  });

  it("fails an API that takes each shortcut", () => {
    const found = problems(Sloppy);
    const expect = [
      "GET /v1/things: no summary",
      "GET /v1/things/{n}: no summary",
      "tag things: no description",
      "component schema Trim is an internal Effect schema name",
      "$ref #/components/schemas/Date names an internal Effect schema",
      'title "int" is an internal Effect name',
      'title "maxLength(5)" is an internal Effect name',
      "$ref #/components/schemas/PropertyKey names an internal Effect schema",
      "$ref #/components/schemas/Int names an internal Effect schema",
      "/properties/seenAt: a timestamp without format: date-time",
      "GET /v1/things: parameter limit is string, expected integer",
      "GET /v1/things/{n}: parameter n is string, expected number",
      "GET /v1/things: limit is not typed integer",
    ];
    for (const line of expect) {
      assert.isTrue(
        found.some((problem) => problem.includes(line)),
        `expected a problem like ${JSON.stringify(line)} in:\n${found.join("\n")}`,
      );
    }
  });

  it("documents limit as an integer and still decodes it from the query string", () => {
    const decode = Schema.decodeUnknownSync(Pagination.params(Schema.String));
    assert.deepStrictEqual(decode({ limit: "7" }), { limit: 7 });
    assert.deepStrictEqual(decode({}), { limit: Pagination.DEFAULT_LIMIT });
    assert.throws(() => decode({ limit: "7.5" }));
    const list = OpenApi.fromApi(Api).paths["/v1/documents"]?.get;
    const limit = list?.parameters.find((p) => p.name === "limit");
    assert.deepInclude(limit?.schema as object, { type: "integer", minimum: 1, maximum: Pagination.MAX_LIMIT });
  });
});

describe("GET /openapi.json", () => {
  it("names the listening URL a client can reach: a wildcard host is localhost", () => {
    const at = (hostname: string) => ApiDocument.listeningUrl({ _tag: "TcpAddress", hostname, port: 3000 });
    assert.deepStrictEqual(["127.0.0.1", "0.0.0.0", "::", "::1", "api.internal"].map(at), [
      "http://127.0.0.1:3000",
      "http://localhost:3000",
      "http://localhost:3000",
      "http://[::1]:3000",
      "http://api.internal:3000",
    ]);
  });

  it.layer(layerWithHttp({}))((it) => {
    it.effect("serves the document with the listening URL as its server", () =>
      Effect.gen(function* () {
        const server = yield* TestServer;
        const reply = yield* call("GET", OPENAPI_PATH);
        assert.strictEqual(reply.status, 200);
        assert.deepStrictEqual(reply.body.servers, [{ url: server.baseUrl }]);
        const { servers: _servers, ...rest } = reply.body;
        assert.deepStrictEqual(rest, JSON.parse(JSON.stringify(OpenApi.fromApi(Api))));
        assert.deepStrictEqual(problems(Api, reply.body), []);
      }),
    );
  });

  it.layer(layerWithHttp({ publicUrl: Option.some("https://api.beep.example") }))((it) => {
    it.effect("names PUBLIC_URL as its server when it is set", () =>
      Effect.gen(function* () {
        const reply = yield* call("GET", OPENAPI_PATH);
        assert.deepStrictEqual(reply.body.servers, [{ url: "https://api.beep.example" }]);
      }),
    );
  });
});
