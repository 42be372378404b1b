import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { adminQuery, call, signup } from "./support/Client.ts";
import { layer, layerOnCitus } from "./support/TestServer.ts";

type AuditRow = {
  readonly action: string;
  readonly entity_id: string;
  readonly actor_id: string;
  readonly organization_id: string;
};

const suite = (server: typeof layer) =>
  it.layer(server)((it) => {
    it.effect("every mutation writes exactly one audit event, in its organization, by its actor", () =>
      Effect.gen(function* () {
        const a = yield* signup("Audited");
        const other = yield* signup("Bystander");
        const token = a.token;
        const doc = (yield* call("POST", "/v1/documents", { token, body: { title: "draft" } })).body;
        const patched = yield* call("PATCH", `/v1/documents/${doc.id}`, { token, body: { status: "published" } });
        const version = (yield* call("POST", `/v1/documents/${doc.id}/versions`, { token })).body;
        const discussion = (yield* call("POST", `/v1/documents/${doc.id}/discussions`, { token, body: { title: "t" } }))
          .body;
        const comment = (yield* call("POST", `/v1/documents/${doc.id}/discussions/${discussion.id}/comments`, {
          token,
          body: { body: "hello" },
        })).body;
        const invitation = (yield* call("POST", "/v1/invitations", {
          token,
          body: { email: "new@audited.example", role: "member" },
        })).body;
        const deleted = yield* call("DELETE", `/v1/documents/${doc.id}`, { token });
        assert.deepStrictEqual([patched.status, deleted.status], [200, 204]);
        assert.strictEqual(patched.body.status, "published");

        const expected = [
          ["organization.created", a.organizationId],
          ["document.created", doc.id],
          ["document.updated", doc.id],
          ["document_version.created", version.id],
          ["discussion.created", discussion.id],
          ["comment.created", comment.id],
          ["invitation.created", invitation.id],
          ["document.deleted", doc.id],
        ];
        // What the database holds (as superuser, so RLS hides nothing).
        const rows = yield* adminQuery<AuditRow>(
          "select action, entity_id, actor_id, organization_id from shared_audit_event where organization_id = $1 order by id",
          [a.organizationId],
        );
        assert.deepStrictEqual(
          rows.map((row) => [row.action, row.entity_id]),
          expected,
        );
        assert.isTrue(rows.every((row) => row.actor_id === a.userId));
        // What the API shows the organization, and what it shows the other one.
        const listed = yield* call("GET", "/v1/audit-events", { token });
        assert.deepStrictEqual(
          listed.body.items.map((event: { action: string; entityId: string }) => [event.action, event.entityId]),
          expected,
        );
        const theirs = yield* call("GET", "/v1/audit-events", { token: other.token });
        assert.deepStrictEqual(
          theirs.body.items.map((event: { action: string }) => event.action),
          ["organization.created"],
        );
      }),
    );

    it.effect("a refused mutation writes no audit event", () =>
      Effect.gen(function* () {
        const a = yield* signup("Refused");
        const body = { email: "twice@refused.example", role: "admin" };
        assert.strictEqual((yield* call("POST", "/v1/invitations", { token: a.token, body })).status, 201);
        const again = yield* call("POST", "/v1/invitations", { token: a.token, body });
        assert.deepStrictEqual(again, {
          status: 409,
          body: { _tag: "Conflict", message: "twice@refused.example is already invited" },
        });
        const missing = yield* call("PATCH", "/v1/documents/documents_document__01a20483-deab-7d9f-ae8f-3a971f7631b0", {
          token: a.token,
          body: { title: "x" },
        });
        assert.strictEqual(missing.status, 404);
        const rows = yield* adminQuery<{ action: string }>(
          "select action from shared_audit_event where organization_id = $1 order by id",
          [a.organizationId],
        );
        assert.deepStrictEqual(
          rows.map((row) => row.action),
          ["organization.created", "invitation.created"],
        );
      }),
    );
  });

describe("audit trail", () => suite(layer));

Testkit.describeWithCitus("audit trail, on a Citus cluster", (citus) => suite(layerOnCitus(citus)));
