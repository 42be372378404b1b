import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { adminQuery, call, count, signup } from "./support/Client.ts";
import { layer, layerOnCitus, layerThrough } from "./support/TestServer.ts";

const suite = (server: typeof layer) =>
  it.layer(server)((it) => {
    it.effect("lists show only the caller's organization's rows", () =>
      Effect.gen(function* () {
        const a = yield* signup("Alpha");
        const b = yield* signup("Beta");
        const aDocs = [
          (yield* call("POST", "/v1/documents", { token: a.token, body: { title: "A1" } })).body.id,
          (yield* call("POST", "/v1/documents", { token: a.token, body: { title: "A2" } })).body.id,
        ];
        const bDoc = (yield* call("POST", "/v1/documents", { token: b.token, body: { title: "B1" } })).body.id;

        const aList = yield* call("GET", "/v1/documents", { token: a.token });
        const bList = yield* call("GET", "/v1/documents", { token: b.token });
        assert.strictEqual(aList.status, 200);
        assert.deepStrictEqual(
          aList.body.items.map((d: { id: string }) => d.id),
          aDocs,
        );
        assert.deepStrictEqual(
          bList.body.items.map((d: { id: string }) => d.id),
          [bDoc],
        );
        // The database holds all three: the API filtered nothing by hand, RLS did.
        assert.strictEqual(yield* count("documents_document"), 3);

        const aMembers = yield* call("GET", "/v1/members", { token: a.token });
        assert.deepStrictEqual(
          aMembers.body.items.map((m: { userId: string; role: string }) => [m.userId, m.role]),
          [[a.userId, "owner"]],
        );
        const aAudit = yield* call("GET", "/v1/audit-events", { token: a.token });
        assert.isAbove(aAudit.body.items.length, 0);
        assert.isTrue(
          aAudit.body.items.every((e: { organizationId: string }) => e.organizationId === a.organizationId),
        );
        const aOrg = yield* call("GET", "/v1/organization", { token: a.token });
        assert.deepStrictEqual([aOrg.status, aOrg.body.id, aOrg.body.name], [200, a.organizationId, "Alpha"]);
      }),
    );

    it.effect("another organization's ids are 404 on every route and nothing changes", () =>
      Effect.gen(function* () {
        const a = yield* signup("Gamma");
        const b = yield* signup("Delta");
        const doc = (yield* call("POST", "/v1/documents", { token: b.token, body: { title: "secret", content: "b" } }))
          .body;
        const discussion = (yield* call("POST", `/v1/documents/${doc.id}/discussions`, {
          token: b.token,
          body: { title: "thread" },
        })).body;
        yield* call("POST", `/v1/documents/${doc.id}/versions`, { token: b.token });
        const before = yield* adminQuery(
          "select (select row_to_json(d) from documents_document d where id = $1) as doc, (select count(*)::int from documents_document_version) as versions, (select count(*)::int from documents_discussion) as discussions, (select count(*)::int from documents_comment) as comments, (select count(*)::int from shared_audit_event) as audit",
          [doc.id],
        );

        const attempts: ReadonlyArray<readonly [string, string, unknown?]> = [
          ["GET", `/v1/documents/${doc.id}`],
          ["PATCH", `/v1/documents/${doc.id}`, { title: "taken" }],
          ["DELETE", `/v1/documents/${doc.id}`],
          ["GET", `/v1/documents/${doc.id}/versions`],
          ["POST", `/v1/documents/${doc.id}/versions`],
          ["GET", `/v1/documents/${doc.id}/discussions`],
          ["POST", `/v1/documents/${doc.id}/discussions`, { title: "x" }],
          ["GET", `/v1/documents/${doc.id}/discussions/${discussion.id}/comments`],
          ["POST", `/v1/documents/${doc.id}/discussions/${discussion.id}/comments`, { body: "x" }],
        ];
        for (const [method, path, body] of attempts) {
          const reply = yield* call(method, path, { token: a.token, ...(body === undefined ? {} : { body }) });
          assert.strictEqual(reply.status, 404, `${method} ${path}`);
          assert.strictEqual(reply.body._tag, "NotFound");
        }

        const after = yield* adminQuery(
          "select (select row_to_json(d) from documents_document d where id = $1) as doc, (select count(*)::int from documents_document_version) as versions, (select count(*)::int from documents_discussion) as discussions, (select count(*)::int from documents_comment) as comments, (select count(*)::int from shared_audit_event) as audit",
          [doc.id],
        );
        assert.deepStrictEqual(after, before);
        const still = yield* call("GET", `/v1/documents/${doc.id}`, { token: b.token });
        assert.deepStrictEqual([still.status, still.body.title], [200, "secret"]);
      }),
    );
  });

describe("tenant isolation over HTTP", () => suite(layer));

// The same tests with the runtime pool behind PgBouncer in transaction mode (`poolMode: "transaction"`).
Testkit.describeWithPgBouncer("tenant isolation over HTTP, through PgBouncer", (bouncer) =>
  suite(layerThrough(bouncer)),
);

Testkit.describeWithCitus("tenant isolation over HTTP, on a Citus cluster", (citus) => suite(layerOnCitus(citus)));
