import { request as httpRequest } from "node:http";
import { MigratedDatabase, layer as migratedDatabase } from "@beep/db-admin/testing";
import { afterAll, assert, describe, it } from "@effect/vitest";
import { Context, Duration, Effect, Exit, Layer, Scope, TestServices } from "effect";
import { MAX_ECHO } from "../src/DecodeErrors.ts";
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from "../src/RequestBody.ts";
import * as Server from "../src/Server.ts";
import { call, count, signup } from "./support/Client.ts";
import { CURL, removeScratch, startDevOnFreePorts, within } from "./support/DevProcess.ts";
import { announced } from "./support/InFlight.ts";
import { layer, serve, TestServer } from "./support/TestServer.ts";

afterAll(removeScratch);

const MiB = 1024 * 1024;
const HOSTILE_BYTES = 8 * MiB;
/** A refusal is a short JSON object, never the input sent back. */
const SHORT_ANSWER = 300;

interface Answer {
  /** The response status; 0 when the connection failed before an answer, -1 when none came in time. */
  readonly status: number;
  readonly body: string;
  /** From the first byte sent until the whole answer arrived. */
  readonly elapsedMs: number;
  readonly sentBytes: number;
}

interface UploadOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Sent before the filler. */
  readonly prefix?: string;
  readonly totalBytes: number;
  readonly chunkBytes?: number;
  /** Pause between chunks; 0 writes as fast as the socket takes them. */
  readonly intervalMs?: number;
  /** Chunked unless false, when the length is declared in content-length. */
  readonly chunked?: boolean;
  readonly timeoutMs?: number;
  /** Send `expect: 100-continue` and write the body only once the server holds the request (`inFlight`). */
  readonly announce?: boolean;
}

/**
 * Uploads `totalBytes` (the prefix, then filler) and resolves with the first answer. Writing stops as soon as
 * an answer arrives; the server may close the connection while the upload is still going, which is no failure.
 */
const upload = (url: string, options: UploadOptions) => {
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const framing: Record<string, string> =
    options.chunked === false ? { "content-length": String(options.totalBytes) } : { "transfer-encoding": "chunked" };
  const requestOptions = { method: options.method ?? "POST", headers: { ...options.headers, ...framing } };
  const { request, inFlight } =
    options.announce === true
      ? announced(url, requestOptions)
      : { request: httpRequest(url, requestOptions), inFlight: Promise.resolve() };
  const started = performance.now();
  let sentBytes = 0;
  let answered = false;
  const answer = new Promise<Answer>((resolve) => {
    const finish = (status: number, body: string) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      resolve({ status, body, elapsedMs: performance.now() - started, sentBytes });
      request.destroy();
    };
    const timer = setTimeout(() => finish(-1, ""), options.timeoutMs ?? 10_000);
    request.on("response", (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => finish(response.statusCode ?? 0, body));
    });
    request.on("error", () => finish(0, ""));
  });
  const filler = Buffer.alloc(chunkBytes, "x");
  const writeNext = (): void => {
    if (answered || request.destroyed) return;
    if (sentBytes >= options.totalBytes) return void request.end();
    const first = sentBytes === 0 && options.prefix !== undefined ? Buffer.from(options.prefix) : undefined;
    const piece = (first ?? filler).subarray(0, Math.min(chunkBytes, options.totalBytes - sentBytes));
    sentBytes += piece.length;
    const flushed = request.write(piece);
    if (options.intervalMs) setTimeout(writeNext, options.intervalMs);
    else if (flushed) setImmediate(writeNext);
    else request.once("drain", writeNext);
  };
  if (options.announce === true) void inFlight.then(writeNext);
  else writeNext();
  return { answer, inFlight, isAnswered: () => answered, sentBytes: () => sentBytes };
};

const uploadAnswer = (url: string, options: UploadOptions) => Effect.promise(() => upload(url, options).answer);

/** Everything a signup or a document creation writes: none of it may change when a body is refused. */
const snapshot = Effect.all({
  users: count("shared_user"),
  organizations: count("shared_organization"),
  documents: count("documents_document"),
  auditEvents: count("shared_audit_event"),
});

const NON_JSON_TYPES = ["application/octet-stream", "text/plain", "application/x-www-form-urlencoded"] as const;

const assertRefused = (answer: Answer, status: number, tag: string, what: string) => {
  assert.strictEqual(answer.status, status, `${what}: ${answer.body}`);
  assert.isBelow(answer.body.length, SHORT_ANSWER, what);
  assert.strictEqual(JSON.parse(answer.body)._tag, tag, what);
  assert.isBelow(answer.elapsedMs, 1000, what);
};

describe("hostile request bodies", () => {
  it.layer(layer)((it) => {
    it.effect("8 MiB of a non-JSON type is 415 within a second, the upload cut off, and writes nothing", () =>
      TestServices.provideLive(
        Effect.gen(function* () {
          const server = yield* TestServer;
          const a = yield* signup("Typed");
          const before = yield* snapshot;
          const targets = [
            { path: "/v1/signup", headers: {} },
            { path: "/v1/documents", headers: { authorization: `Bearer ${a.token}` } },
          ];
          for (const target of targets) {
            for (const type of NON_JSON_TYPES) {
              const what = `${type} to ${target.path}`;
              const answer = yield* uploadAnswer(`${server.baseUrl}${target.path}`, {
                headers: { ...target.headers, "content-type": type },
                totalBytes: HOSTILE_BYTES,
              });
              assertRefused(answer, 415, "UnsupportedMediaType", what);
              assert.isBelow(answer.sentBytes, HOSTILE_BYTES, `${what}: the upload was cut off`);
            }
          }
          assert.deepStrictEqual(yield* snapshot, before);
        }),
      ),
    );

    it.effect("8 MiB of JSON is 413 within a second, chunked or declared, and writes nothing", () =>
      TestServices.provideLive(
        Effect.gen(function* () {
          const server = yield* TestServer;
          const a = yield* signup("Sized");
          const before = yield* snapshot;
          const cases = [
            { path: "/v1/signup", headers: {}, chunked: true },
            { path: "/v1/documents", headers: { authorization: `Bearer ${a.token}` }, chunked: true },
            { path: "/v1/documents", headers: { authorization: `Bearer ${a.token}` }, chunked: false },
            // A declared length over the limit is refused before the content-type is even considered.
            { path: "/v1/signup", headers: { "content-type": "text/plain" }, chunked: false },
          ];
          for (const { path, headers, chunked } of cases) {
            const what = `${chunked ? "chunked" : "declared"} ${path}`;
            const answer = yield* uploadAnswer(`${server.baseUrl}${path}`, {
              headers: { "content-type": "application/json", ...headers },
              prefix: '{"title":"',
              totalBytes: HOSTILE_BYTES,
              chunked,
            });
            assertRefused(answer, 413, "PayloadTooLarge", what);
            assert.isBelow(answer.sentBytes, HOSTILE_BYTES, `${what}: the upload was cut off`);
          }
          assert.deepStrictEqual(yield* snapshot, before);
        }),
      ),
    );

    it.effect("GET /health answers while slow 8 MiB uploads are in progress", () =>
      TestServices.provideLive(
        Effect.gen(function* () {
          const server = yield* TestServer;
          const a = yield* signup("Busy");
          // 16 KiB every 25 ms: the first MiB alone takes over 1.5 s to arrive.
          const slow = (path: string, headers: Record<string, string>) =>
            upload(`${server.baseUrl}${path}`, {
              headers: { "content-type": "application/json", ...headers },
              prefix: '{"title":"',
              totalBytes: HOSTILE_BYTES,
              chunkBytes: 16 * 1024,
              intervalMs: 25,
              announce: true,
            });
          const uploads = [slow("/v1/signup", {}), slow("/v1/documents", { authorization: `Bearer ${a.token}` })];
          // The server holds both requests before health is asked: no sleep decides that they are in progress.
          yield* Effect.promise(() => Promise.all(uploads.map((pending) => pending.inFlight)));
          for (let i = 0; i < 8; i++) {
            const started = performance.now();
            const health = yield* call("GET", "/health");
            assert.strictEqual(health.status, 200);
            assert.isBelow(performance.now() - started, 500, "health answers promptly");
          }
          for (const pending of uploads) {
            assert.isFalse(pending.isAnswered(), "the uploads were still going while health answered");
            assert.isAbove(pending.sentBytes(), 0);
          }
          for (const pending of uploads) {
            const answer = yield* Effect.promise(() => pending.answer);
            assert.strictEqual(answer.status, 413);
          }
        }),
      ),
    );

    it.effect(
      "NUL in a JSON string, value or key, is 400 before any handler runs; an escaped backslash is not NUL",
      () =>
        Effect.gen(function* () {
          const a = yield* signup("Nul");
          const before = yield* snapshot;
          const auth = { authorization: `Bearer ${a.token}` };
          const cases: ReadonlyArray<readonly [string, string, Record<string, string>]> = [
            ["/v1/signup", '{"email":"nul@nul.example","name":"a\\u0000b","organizationName":"Nul"}', {}],
            ["/v1/documents", '{"title":"\\u0000"}', auth],
            ["/v1/documents", '{"title":"x","content":"before\\u0000after"}', auth],
            ["/v1/documents", '{"title\\u0000":"x"}', auth],
            ["/v1/documents", '{"title":"x\u0000"}', auth],
          ];
          for (const [path, rawBody, headers] of cases) {
            const reply = yield* call("POST", path, { rawBody, headers });
            assert.strictEqual(reply.status, 400, rawBody);
            assert.deepStrictEqual(reply.body, {
              _tag: "HttpApiDecodeError",
              issues: [],
              message: "request body must not contain NUL characters (\\u0000)",
            });
          }
          assert.deepStrictEqual(yield* snapshot, before);
          // A backslash followed by "u0000" is text, not NUL.
          const text = yield* call("POST", "/v1/documents", { rawBody: '{"title":"a\\\\u0000"}', headers: auth });
          assert.strictEqual(text.status, 201);
          assert.strictEqual(text.body.title, "a\\u0000");
        }),
    );

    it.effect(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is 400, even 100,000 deep`, () =>
      Effect.gen(function* () {
        const a = yield* signup("Deep");
        const before = yield* snapshot;
        const auth = { authorization: `Bearer ${a.token}` };
        const deep = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
        const message = `request body nests deeper than ${MAX_JSON_DEPTH} levels`;
        for (const [path, rawBody, headers] of [
          ["/v1/signup", deep(100_000), {}],
          ["/v1/documents", `{"title":"x","content":${deep(100_000)}}`, auth],
          ["/v1/documents", `{"title":"x","content":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`, auth],
          ["/v1/documents", `{"title":"x","content":${deep(MAX_JSON_DEPTH)}}`, auth],
        ] as const) {
          const reply = yield* call("POST", path, { rawBody, headers });
          assert.strictEqual(reply.status, 400);
          assert.strictEqual(reply.body.message, message);
        }
        // Brackets inside strings are text, and a nesting within the limit reaches the schema.
        const inString = yield* call("POST", "/v1/documents", {
          rawBody: JSON.stringify({ title: "x", content: "[".repeat(100_000) }),
          headers: auth,
        });
        assert.strictEqual(inString.status, 201);
        const shallow = yield* call("POST", "/v1/documents", {
          rawBody: `{"title":"x","content":${deep(MAX_JSON_DEPTH - 1)}}`,
          headers: auth,
        });
        assert.strictEqual(shallow.status, 400);
        assert.include(shallow.body.message, "Expected string");
        assert.strictEqual((yield* snapshot).documents, before.documents + 1);
      }),
    );

    it.effect("NUL in the path or query is 400 without reaching a handler", () =>
      Effect.gen(function* () {
        const a = yield* signup("NulUrl");
        const before = yield* snapshot;
        for (const [method, path] of [
          ["GET", "/v1/documents/%00"],
          ["GET", "/v1/documents/documents_document__%00"],
          ["GET", "/v1/documents?cursor=%00"],
          ["GET", "/v1/audit-events?limit=1%00"],
          ["DELETE", "/v1/documents/%00"],
          ["POST", "/v1/documents/%00/versions"],
        ] as const) {
          const reply = yield* call(method, path, { token: a.token });
          assert.strictEqual(reply.status, 400, `${method} ${path}`);
          assert.strictEqual(reply.body.message, "request URL must not contain NUL characters (%00)");
        }
        assert.deepStrictEqual(yield* snapshot, before);
      }),
    );

    it.effect(`a 400 repeats at most ${MAX_ECHO} characters of any one input, however long`, () =>
      Effect.gen(function* () {
        const a = yield* signup("Echo");
        const before = yield* snapshot;
        const long = (c: string) => c.repeat(200_000);
        const cases: ReadonlyArray<readonly [string, string, unknown, string]> = [
          ["POST", "/v1/documents", { title: "x", status: long("s") }, 'Expected "draft"'],
          ["POST", "/v1/documents", { title: "x", [long("k")]: 1 }, "is unexpected"],
          ["POST", "/v1/documents", { title: [long("t"), long("u")] }, "Expected string"],
          ["POST", "/v1/documents", { title: "x", content: { nested: long("n") } }, "Expected string"],
          ["POST", "/v1/signup", { email: "e@e.example", name: [long("o")], organizationName: "o" }, "Expected"],
          // A URL stays within the server's header size limit (16 KiB).
          ["GET", `/v1/documents?limit=${"9".repeat(5_000)}`, undefined, "limit must be"],
          ["GET", `/v1/documents?limit=${"z".repeat(5_000)}`, undefined, "Unable to decode"],
          ["GET", `/v1/documents?cursor=${"c".repeat(5_000)}`, undefined, "Expected a documents_document id"],
        ];
        for (const [method, path, body, message] of cases) {
          const reply = yield* call(method, path, { token: a.token, ...(body === undefined ? {} : { body }) });
          const what = `${method} ${path.slice(0, 40)}`;
          assert.strictEqual(reply.status, 400, what);
          assert.strictEqual(reply.body._tag, "HttpApiDecodeError", what);
          assert.include(reply.body.message, message, what);
          assert.isArray(reply.body.issues, what);
          const text = JSON.stringify(reply.body);
          assert.isBelow(text.length, 4000, what);
          for (const c of ["s", "k", "t", "u", "n", "o", "9", "z", "c"]) {
            assert.notInclude(text, c.repeat(MAX_ECHO + 1), what);
          }
        }
        assert.deepStrictEqual(yield* snapshot, before);
      }),
    );

    it.effect("JSON is application/json, any +json type, or no content-type; a POST without a body is fine", () =>
      Effect.gen(function* () {
        const a = yield* signup("Types");
        const auth = { authorization: `Bearer ${a.token}` };
        const rawBody = JSON.stringify({ title: "typed" });
        for (const type of ["application/json; charset=utf-8", "application/merge-patch+json", "APPLICATION/JSON"]) {
          const reply = yield* call("POST", "/v1/documents", { rawBody, headers: { ...auth, "content-type": type } });
          assert.strictEqual(reply.status, 201, type);
        }
        // fetch labels a string body text/plain unless told otherwise: a Blob without a type sends none.
        const server = yield* TestServer;
        const untyped = yield* Effect.promise(() =>
          fetch(`${server.baseUrl}/v1/documents`, { method: "POST", headers: auth, body: new Blob([rawBody]) }),
        );
        assert.strictEqual(untyped.status, 201);
        const doc = (yield* call("POST", "/v1/documents", { token: a.token, body: { title: "v" } })).body;
        // No body at all: nothing to misread, whatever the content-type says.
        for (const headers of [auth, { ...auth, "content-type": "text/plain" }]) {
          const version = yield* call("POST", `/v1/documents/${doc.id}/versions`, { headers });
          assert.strictEqual(version.status, 201);
        }
        const refused = yield* call("POST", "/v1/documents", {
          rawBody,
          headers: { ...auth, "content-type": "text/json" },
        });
        assert.strictEqual(refused.status, 415);
        assert.deepStrictEqual(Object.keys(refused.body).sort(), ["_tag", "message"]);
      }),
    );
  });

  it.layer(migratedDatabase)((it) => {
    it.effect("closing the server destroys an upload still going past the drain deadline", () =>
      TestServices.provideLive(
        Effect.gen(function* () {
          const db = yield* MigratedDatabase;
          const scope = yield* Scope.make();
          const context = yield* Layer.buildWithScope(
            serve(Server.database(db.appUrl, db.contextKey), db.adminUrl, { drainDeadline: "300 millis" }),
            scope,
          );
          const server = Context.get(context, TestServer);
          // One byte every 100 ms, never finished.
          const endless = upload(`${server.baseUrl}/v1/signup`, {
            headers: { "content-type": "application/json" },
            prefix: "{",
            totalBytes: MAX_BODY_BYTES,
            chunkBytes: 1,
            intervalMs: 100,
            announce: true,
          });
          yield* Effect.promise(() => endless.inFlight);
          const started = performance.now();
          yield* Scope.close(scope, Exit.void);
          assert.isBelow(performance.now() - started, 2000, "closed soon after the deadline");
          assert.isAtLeast(performance.now() - started, 250, "the upload had until the deadline");
          const answer = yield* Effect.promise(() => endless.answer);
          assert.strictEqual(answer.status, 0, "the connection was closed without an answer");
        }),
      ),
    );
  });

  it("bun run dev exits cleanly on SIGTERM within the drain deadline, a never-ending upload notwithstanding", {
    timeout: 120_000,
  }, async () => {
    const { run, port } = await startDevOnFreePorts(CURL, 90_000);
    let pending: ReturnType<typeof upload>;
    try {
      // One byte every 100 ms, never finished.
      pending = upload(`http://127.0.0.1:${port}/v1/signup`, {
        headers: { "content-type": "application/json" },
        prefix: "{",
        totalBytes: MAX_BODY_BYTES,
        chunkBytes: 1,
        intervalMs: 100,
        timeoutMs: 60_000,
        announce: true,
      });
      await pending.inFlight;
      assert.strictEqual((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);
      assert.isFalse(pending.isAnswered(), "the upload is in flight");
    } finally {
      run.child.kill("SIGTERM");
    }
    const started = performance.now();
    const deadline = Duration.toMillis(Server.DRAIN_DEADLINE);
    const code = await within(run.exited, deadline + 10_000, `dev did not exit after SIGTERM:\n${run.output()}`);
    assert.isBelow(performance.now() - started, deadline + 5_000);
    // 0: the dev program's own shutdown ran to its end (server, pool, embedded database), no hook cut it short.
    assert.strictEqual(code, 0, run.output());
    assert.include(run.output(), "stopping embedded PostgreSQL");
    assert.strictEqual((await pending.answer).status, 0, "the upload's connection was closed");
  });
});
