import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import postgres from "postgres";
import * as RequestLog from "../src/RequestLog.ts";
import { adminQuery, callWithHeaders, signup } from "./support/Client.ts";
import { layerWith, TestServer } from "./support/TestServer.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const lineOf = (requestId: string) =>
  Effect.map(TestServer, ({ logs }) => logs.find((line) => line.requestId === requestId));

describe("5xx are logged with their cause, never answered with it", () => {
  // A short statement timeout, so a lock held by someone else turns into a QueryTimeout (503).
  it.layer(layerWith({ statementTimeoutMs: 300 }))((it) => {
    it.effect("a 503 (QueryTimeout): the line has the tag, SQLSTATE 57014, the message and the request id", () =>
      Effect.gen(function* () {
        const a = yield* signup("Locked");
        const server = yield* TestServer;
        const reply = yield* Effect.promise(async () => {
          const admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
          try {
            return await admin.begin(async (tx) => {
              await tx`lock table documents_document in access exclusive mode`;
              return await Effect.runPromise(
                callWithHeaders("GET", "/v1/documents", {
                  token: a.token,
                  headers: { "x-request-id": "req-503.locked" },
                }).pipe(Effect.provideService(TestServer, server)),
              );
            });
          } finally {
            await admin.end();
          }
        });
        assert.deepStrictEqual(
          [reply.status, reply.body],
          [503, { _tag: "ServiceUnavailable", message: "database unavailable" }],
        );
        assert.strictEqual(reply.headers.get("x-request-id"), "req-503.locked");
        const line = yield* lineOf("req-503.locked");
        assert.deepInclude(line, {
          level: "error",
          status: 503,
          path: "/v1/documents",
          organizationId: a.organizationId,
        });
        assert.deepInclude(line?.error, { tag: "QueryTimeout", code: "57014" });
        assert.include(line?.error?.message, "statement timeout");
        const body = JSON.stringify(reply.body);
        for (const secret of ["QueryTimeout", "57014", "statement timeout", "req-503.locked"]) {
          assert.notInclude(body, secret);
        }
      }),
    );

    it.effect("a 500 (QueryFailed): the line has the tag, SQLSTATE 23514 and the message; the body is empty", () =>
      Effect.gen(function* () {
        const a = yield* signup("Checked");
        yield* adminQuery("alter table documents_document add constraint no_boom check (title <> 'boom')");
        const reply = yield* callWithHeaders("POST", "/v1/documents", { token: a.token, body: { title: "boom" } });
        assert.strictEqual(reply.status, 500);
        const requestId = reply.headers.get("x-request-id") ?? "";
        assert.match(requestId, UUID, "no incoming id: one was generated");
        const line = yield* lineOf(requestId);
        assert.deepInclude(line, { level: "error", status: 500, method: "POST", path: "/v1/documents" });
        assert.deepInclude(line?.error, { tag: "QueryFailed", code: "23514" });
        assert.include(line?.error?.message, 'violates check constraint "no_boom"');
        const body = JSON.stringify(reply.body);
        for (const secret of ["QueryFailed", "23514", "no_boom", "check constraint", "documents_document"]) {
          assert.notInclude(body, secret);
        }
        yield* adminQuery("alter table documents_document drop constraint no_boom");
      }),
    );

    it.effect("every request has an id: a short safe incoming one is kept, anything else is replaced", () =>
      Effect.gen(function* () {
        const kept = yield* callWithHeaders("GET", "/health", { headers: { "x-request-id": "abc-123_X.y:z" } });
        assert.strictEqual(kept.headers.get("x-request-id"), "abc-123_X.y:z");
        for (const unsafe of ["has spaces", "x".repeat(65), 'quote"d', "semi;colon"]) {
          const replaced = yield* callWithHeaders("GET", "/health", { headers: { "x-request-id": unsafe } });
          assert.match(replaced.headers.get("x-request-id") ?? "", UUID);
        }
        const refused = yield* callWithHeaders("GET", "/v1/documents");
        assert.strictEqual(refused.status, 401);
        const id = refused.headers.get("x-request-id") ?? "";
        const line = yield* lineOf(id);
        assert.deepInclude(line, { status: 401, level: "info" });
        assert.notProperty(line, "error");
        const { logs } = yield* TestServer;
        assert.isTrue(logs.every((entry) => entry.requestId.length > 0));
        assert.notInclude(JSON.stringify(logs), "has spaces");
      }),
    );
  });
});

describe("scrubbing error messages", () => {
  it("drops credentials, tokens and key material, and cuts long messages", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlc2lnbmF0dXJl";
    const scrubbed = RequestLog.scrub(
      `connect to postgres://beep_app:hunter2@db:5432/beep failed; password=s3cret token: ${jwt} Bearer abc.def`,
    );
    for (const secret of ["hunter2", "s3cret", jwt, "abc.def"]) assert.notInclude(scrubbed, secret);
    assert.include(scrubbed, "postgres://[redacted]@db:5432/beep");
    assert.strictEqual(RequestLog.scrub("x".repeat(1000)).length, RequestLog.MAX_ERROR_MESSAGE + 3);
    assert.deepStrictEqual(RequestLog.describeError(new Error("boom")), { tag: "Error", message: "boom" });
    assert.deepStrictEqual(RequestLog.describeError("plain"), { tag: "Defect", message: "plain" });
  });
});
