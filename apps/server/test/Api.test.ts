import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { call, signup } from "./support/Client.ts";
import { layer, layerOnCitus, layerThrough, TestServer } from "./support/TestServer.ts";

const suite = (server: typeof layer) =>
  it.layer(server)((it) => {
    it.effect("GET /openapi.json is an OpenAPI document with every /v1 path; /docs serves the reference", () =>
      Effect.gen(function* () {
        const spec = yield* call("GET", "/openapi.json");
        assert.strictEqual(spec.status, 200);
        assert.match(spec.body.openapi, /^3\.\d+\.\d+$/);
        assert.includeMembers(Object.keys(spec.body.paths), [
          "/v1/signup",
          "/v1/tokens",
          "/v1/organization",
          "/v1/members",
          "/v1/invitations",
          "/v1/documents",
          "/v1/documents/{id}",
          "/v1/documents/{id}/versions",
          "/v1/documents/{id}/discussions",
          "/v1/documents/{id}/discussions/{discussionId}/comments",
          "/v1/audit-events",
          "/health",
        ]);
        assert.includeMembers(Object.keys(spec.body.paths["/v1/documents/{id}"]), ["get", "patch", "delete"]);
        assert.property(spec.body.components.securitySchemes, "bearer");
        const docs = yield* call("GET", "/docs");
        assert.strictEqual(docs.status, 200);
        assert.include(docs.body, "<html");
      }),
    );

    it.effect("GET /health checks the database", () =>
      Effect.gen(function* () {
        assert.deepStrictEqual(yield* call("GET", "/health"), { status: 200, body: { status: "ok", database: "ok" } });
      }),
    );

    it.effect("lists page with a cursor and a limit", () =>
      Effect.gen(function* () {
        const a = yield* signup("Pages");
        const ids: Array<string> = [];
        for (let i = 0; i < 5; i++) {
          ids.push((yield* call("POST", "/v1/documents", { token: a.token, body: { title: `doc ${i}` } })).body.id);
        }
        const seen: Array<string> = [];
        const sizes: Array<number> = [];
        let cursor: string | null = null;
        do {
          const query: string = cursor === null ? "?limit=2" : `?limit=2&cursor=${cursor}`;
          const page = yield* call("GET", `/v1/documents${query}`, { token: a.token });
          assert.strictEqual(page.status, 200);
          sizes.push(page.body.items.length);
          seen.push(...page.body.items.map((d: { id: string }) => d.id));
          cursor = page.body.nextCursor;
        } while (cursor !== null);
        assert.deepStrictEqual(sizes, [2, 2, 1]);
        assert.deepStrictEqual(seen, ids);
        const all = yield* call("GET", "/v1/documents", { token: a.token });
        assert.deepStrictEqual([all.body.items.length, all.body.nextCursor], [5, null]);
      }),
    );

    it.effect("nested lists page one item at a time and show only their parent's items", () =>
      Effect.gen(function* () {
        const a = yield* signup("Nested pages");
        const create = (path: string, body: object) =>
          Effect.map(call("POST", path, { token: a.token, body }), (created) => created.body.id as string);
        // Everything of `path`, one item per page, following the cursors.
        const walk = (path: string) =>
          Effect.gen(function* () {
            const seen: Array<string> = [];
            let cursor: string | null = null;
            do {
              const query: string = cursor === null ? "?limit=1" : `?limit=1&cursor=${cursor}`;
              const page = yield* call("GET", `${path}${query}`, { token: a.token });
              assert.strictEqual(page.status, 200);
              assert.isAtMost(page.body.items.length, 1);
              seen.push(...page.body.items.map((item: { id: string }) => item.id));
              cursor = page.body.nextCursor;
            } while (cursor !== null);
            return seen;
          });
        const [doc, other] = [
          yield* create("/v1/documents", { title: "A" }),
          yield* create("/v1/documents", { title: "B" }),
        ];
        const versions: Array<string> = [];
        for (let i = 0; i < 3; i++) versions.push(yield* create(`/v1/documents/${doc}/versions`, {}));
        yield* create(`/v1/documents/${other}/versions`, {});
        const discussions: Array<string> = [];
        for (let i = 0; i < 3; i++)
          discussions.push(yield* create(`/v1/documents/${doc}/discussions`, { title: `d${i}` }));
        const elsewhere = yield* create(`/v1/documents/${other}/discussions`, { title: "elsewhere" });
        const first = `/v1/documents/${doc}/discussions/${discussions[0]}/comments`;
        const comments: Array<string> = [];
        for (let i = 0; i < 3; i++) comments.push(yield* create(first, { body: `c${i}` }));
        yield* create(`/v1/documents/${other}/discussions/${elsewhere}/comments`, { body: "elsewhere" });
        assert.deepStrictEqual(yield* walk(`/v1/documents/${doc}/versions`), versions);
        assert.deepStrictEqual(yield* walk(`/v1/documents/${doc}/discussions`), discussions);
        assert.deepStrictEqual(yield* walk(first), comments);
        assert.deepStrictEqual((yield* walk("/v1/documents")).length, 2);
      }),
    );

    it.effect("documents, versions, discussions and comments round-trip", () =>
      Effect.gen(function* () {
        const a = yield* signup("Roundtrip");
        const created = yield* call("POST", "/v1/documents", {
          token: a.token,
          body: { title: "Plan", content: "v1" },
        });
        assert.strictEqual(created.status, 201);
        const doc = created.body;
        assert.deepStrictEqual([doc.title, doc.content, doc.status, doc.authorId], ["Plan", "v1", "draft", a.userId]);
        const v1 = (yield* call("POST", `/v1/documents/${doc.id}/versions`, { token: a.token })).body;
        yield* call("PATCH", `/v1/documents/${doc.id}`, { token: a.token, body: { content: "v2" } });
        const v2 = (yield* call("POST", `/v1/documents/${doc.id}/versions`, { token: a.token })).body;
        assert.deepStrictEqual([v1.version, v1.content, v2.version, v2.content], [1, "v1", 2, "v2"]);
        const versions = yield* call("GET", `/v1/documents/${doc.id}/versions`, { token: a.token });
        assert.deepStrictEqual(
          versions.body.items.map((v: { version: number }) => v.version),
          [1, 2],
        );
        const discussion = (yield* call("POST", `/v1/documents/${doc.id}/discussions`, {
          token: a.token,
          body: { title: "Questions" },
        })).body;
        yield* call("POST", `/v1/documents/${doc.id}/discussions/${discussion.id}/comments`, {
          token: a.token,
          body: { body: "first" },
        });
        const comments = yield* call("GET", `/v1/documents/${doc.id}/discussions/${discussion.id}/comments`, {
          token: a.token,
        });
        assert.deepStrictEqual(
          comments.body.items.map((c: { body: string }) => c.body),
          ["first"],
        );
        const discussions = yield* call("GET", `/v1/documents/${doc.id}/discussions`, { token: a.token });
        assert.deepStrictEqual(
          discussions.body.items.map((d: { id: string }) => d.id),
          [discussion.id],
        );
        const gone = yield* call("DELETE", `/v1/documents/${doc.id}`, { token: a.token });
        assert.deepStrictEqual(gone, { status: 204, body: null });
        assert.strictEqual((yield* call("GET", `/v1/documents/${doc.id}`, { token: a.token })).status, 404);
      }),
    );

    it.effect("request logs are JSON lines with method, path, status, duration and organization, never a token", () =>
      Effect.gen(function* () {
        const server = yield* TestServer;
        const a = yield* signup("Logged");
        yield* call("GET", "/v1/documents?limit=3", { token: a.token });
        yield* call("GET", "/v1/documents", { token: "garbage.token.value" });
        const line = server.logs.findLast((entry) => entry.path === "/v1/documents" && entry.status === 200);
        assert.isDefined(line);
        assert.deepInclude(line, { message: "request", method: "GET", organizationId: a.organizationId });
        assert.isNumber(line?.durationMs);
        const refused = server.logs.findLast((entry) => entry.path === "/v1/documents" && entry.status === 401);
        assert.deepInclude(refused, { organizationId: null });
        const everything = JSON.stringify(server.logs);
        assert.notInclude(everything, a.token);
        assert.notInclude(everything, "garbage.token.value");
        assert.notInclude(everything, "limit=3");
      }),
    );
  });

describe("API surface", () => suite(layer));

// The same tests with the runtime pool behind PgBouncer in transaction mode (`poolMode: "transaction"`).
Testkit.describeWithPgBouncer("API surface, through PgBouncer", (bouncer) => suite(layerThrough(bouncer)));

Testkit.describeWithCitus("API surface, on a Citus cluster", (citus) => suite(layerOnCitus(citus)));
