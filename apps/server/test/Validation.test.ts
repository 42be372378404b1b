import { request as httpRequest } from "node:http";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { MAX_BODY_BYTES } from "../src/RequestBody.ts";
import { call, count, signup } from "./support/Client.ts";
import { layer, TestServer } from "./support/TestServer.ts";

/**
 * POSTs `body` with chunked transfer encoding and resolves with the response status. The server may
 * close the connection once it has answered, while the upload is still going: that is not a failure.
 */
const postChunked = (url: string, token: string, body: string) =>
  new Promise<number>((resolve, reject) => {
    const request = httpRequest(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "transfer-encoding": "chunked" },
    });
    let status: number | undefined;
    request.on("response", (response) => {
      status = response.statusCode;
      response.resume();
      response.on("end", () => resolve(status ?? 0));
    });
    request.on("error", (error) => (status === undefined ? reject(error) : resolve(status)));
    const chunk = 64 * 1024;
    const writeFrom = (offset: number): void => {
      if (offset >= body.length) return void request.end();
      const ok = request.write(body.slice(offset, offset + chunk));
      if (ok) writeFrom(offset + chunk);
      else request.once("drain", () => writeFrom(offset + chunk));
    };
    writeFrom(0);
  });

/** Rows a bad request could have written: none of these may change. */
const snapshot = Effect.all([
  count("documents_document"),
  count("documents_discussion"),
  count("iam_invitation"),
  count("shared_audit_event"),
]);

describe("request validation", () => {
  it.layer(layer)((it) => {
    it.effect("invalid bodies and params are 400 with the schema's message, and nothing is written", () =>
      Effect.gen(function* () {
        const a = yield* signup("Valid");
        const doc = (yield* call("POST", "/v1/documents", { token: a.token, body: { title: "ok" } })).body;
        const before = yield* snapshot;
        const cases: ReadonlyArray<readonly [string, string, { body?: unknown; rawBody?: string }, string]> = [
          ["POST", "/v1/documents", { body: { title: "   " } }, "title must not be empty"],
          [
            "POST",
            "/v1/documents",
            { body: { title: "x", owner: "me" } },
            'is unexpected, expected: "title" | "content" | "status"',
          ],
          ["POST", "/v1/documents", { body: { title: "x", status: "secret" } }, 'Expected "draft"'],
          ["POST", "/v1/documents", { rawBody: '{"title": "x"' }, "request body is not valid JSON"],
          ["PATCH", `/v1/documents/${doc.id}`, { body: {} }, "expected at least one of title, content, status"],
          ["GET", "/v1/documents/not-an-id", {}, 'Expected a documents_document id ("documents_document__<uuid v7>")'],
          ["GET", "/v1/documents?limit=101", {}, "limit must be between 1 and 100"],
          ["GET", "/v1/documents?limit=abc", {}, 'Unable to decode "abc" into a number'],
          [
            "GET",
            "/v1/documents?cursor=shared_user__01a20483-deab-7d9f-ae8f-3a971f7631b0",
            {},
            "Expected a documents_document id",
          ],
          ["POST", `/v1/documents/${doc.id}/discussions`, { body: { title: 42 } }, "Expected string, actual 42"],
          [
            "POST",
            "/v1/invitations",
            { body: { email: "not-an-email", role: "member" } },
            "email must be an email address",
          ],
          ["POST", "/v1/invitations", { body: { email: "x@y.example", role: "superuser" } }, 'Expected "member"'],
          [
            "POST",
            "/v1/signup",
            { body: { email: "x@y.example", name: "X" } },
            '["organizationName"]\n   └─ is missing',
          ],
        ];
        for (const [method, path, options, message] of cases) {
          const reply = yield* call(method, path, { token: a.token, ...options });
          assert.strictEqual(reply.status, 400, `${method} ${path}`);
          assert.strictEqual(reply.body._tag, "HttpApiDecodeError");
          assert.include(reply.body.message, message, `${method} ${path}`);
        }
        assert.deepStrictEqual(yield* snapshot, before);
        const unchanged = yield* call("GET", `/v1/documents/${doc.id}`, { token: a.token });
        assert.strictEqual(unchanged.body.title, "ok");
      }),
    );

    it.effect("a body over 1 MiB is 413 and nothing is written, whether its length is declared or streamed", () =>
      Effect.gen(function* () {
        const server = yield* TestServer;
        const a = yield* signup("Large");
        const before = yield* snapshot;
        const big = JSON.stringify({ title: "big", content: "x".repeat(MAX_BODY_BYTES) });
        const declared = yield* call("POST", "/v1/documents", { token: a.token, rawBody: big });
        assert.deepStrictEqual(declared, {
          status: 413,
          body: { _tag: "PayloadTooLarge", message: `request body exceeds ${MAX_BODY_BYTES} bytes` },
        });
        // No content-length: the body arrives in chunks and is cut off once past the limit.
        const streamed = yield* Effect.promise(() => postChunked(`${server.baseUrl}/v1/documents`, a.token, big));
        assert.strictEqual(streamed, 413);
        assert.deepStrictEqual(yield* snapshot, before);
        // Just under the limit is fine.
        const fits = yield* call("POST", "/v1/documents", {
          token: a.token,
          body: { title: "fits", content: "x".repeat(400_000) },
        });
        assert.strictEqual(fits.status, 201);
      }),
    );
  });
});
