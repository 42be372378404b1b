import { request as httpRequest } from "node:http";
import * as OpenApi from "@effect/platform/OpenApi";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { Api } from "../src/Api.ts";
import { count } from "./support/Client.ts";
import { layer, TestServer } from "./support/TestServer.ts";

const BOUNDARY = "----beep-form-boundary";

/** Form and text bodies a browser or a careless client sends: none of them is JSON. */
const BODIES: ReadonlyArray<readonly [string, string]> = [
  ["application/x-www-form-urlencoded", "title=form&content=x"],
  [
    `multipart/form-data; boundary=${BOUNDARY}`,
    `--${BOUNDARY}\r\ncontent-disposition: form-data; name="title"\r\n\r\nform\r\n--${BOUNDARY}--\r\n`,
  ],
  ["text/plain", '{"title":"json in disguise"}'],
];

/** Any method with a body (fetch refuses a GET body): status, headers and text back. */
const send = (url: string, method: string, contentType: string, body: string) =>
  Effect.promise(
    () =>
      new Promise<{ status: number; requestId: string | undefined; text: string }>((resolve, reject) => {
        const req = httpRequest(url, {
          method,
          headers: { "content-type": contentType, "content-length": Buffer.byteLength(body) },
        });
        req.on("response", (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, requestId: response.headers["x-request-id"] as string, text }),
          );
        });
        req.on("error", reject);
        req.end(body);
      }),
  );

/** Path parameters filled with text: the body is refused before the path is decoded. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, "x");

describe("request media types", () => {
  it.layer(layer)((it) => {
    it.effect("a form or text body is 415 on every operation of the document, before the token, writing nothing", () =>
      Effect.gen(function* () {
        const server = yield* TestServer;
        const operations = Object.entries(OpenApi.fromApi(Api).paths).flatMap(([path, methods]) =>
          Object.entries(methods as Record<string, OpenApi.OpenAPISpecOperation>).map(
            ([method, operation]) => [method.toUpperCase(), path, operation.requestBody !== undefined] as const,
          ),
        );
        // The JSON routes (every operation that documents a request body) and all the others.
        assert.isAtLeast(operations.filter(([, , json]) => json).length, 6);
        const before = yield* Effect.all([count("shared_user"), count("shared_audit_event")]);
        for (const [method, path] of operations) {
          for (const [contentType, body] of BODIES) {
            const what = `${contentType} to ${method} ${path}`;
            const reply = yield* send(`${server.baseUrl}${concrete(path)}`, method, contentType, body);
            assert.strictEqual(reply.status, 415, what);
            assert.deepStrictEqual(
              JSON.parse(reply.text),
              { _tag: "UnsupportedMediaType", message: "request body must be JSON (content-type: application/json)" },
              what,
            );
            assert.isString(reply.requestId, what);
          }
        }
        assert.deepStrictEqual(yield* Effect.all([count("shared_user"), count("shared_audit_event")]), before);
      }),
    );
  });
});
