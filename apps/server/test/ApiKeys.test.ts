import { createHash } from "node:crypto";
import type { SharedEntityIds } from "@beep/shared-domain";
import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { personWithRole } from "./support/AuthFixtures.ts";
import { adminQuery, call, signup } from "./support/Client.ts";
import { layer, layerOnCitus } from "./support/TestServer.ts";

const KEY = /^beep_key\.(shared_organization__[0-9a-f-]{36})\.(iam_api_key__[0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

const createKey = (token: string, body: { name: string; role: string }) =>
  call("POST", "/v1/api-keys", { token, body });

const suite = (server: typeof layer) =>
  it.layer(server)((it) => {
    it.effect("created once (201) with its key; listed without it; stored as the secret's SHA-256", () =>
      Effect.gen(function* () {
        const a = yield* signup("Keys");
        const created = yield* createKey(a.token, { name: "ci", role: "admin" });
        assert.strictEqual(created.status, 201);
        const { id, key, name, role, prefix, createdAt } = created.body;
        assert.deepStrictEqual(Object.keys(created.body).sort(), ["createdAt", "id", "key", "name", "prefix", "role"]);
        assert.deepStrictEqual([name, role, typeof createdAt], ["ci", "admin", "string"]);
        const [, organizationId, keyId, secret] = KEY.exec(key) ?? [];
        assert.deepStrictEqual([organizationId, keyId], [a.organizationId, id]);
        assert.strictEqual(prefix, secret?.slice(0, 8));
        const [row] = yield* adminQuery<{ key_hash: string; created_by: string }>(
          "select key_hash, created_by from iam_api_key where id = $1",
          [id],
        );
        assert.strictEqual(
          row?.key_hash,
          createHash("sha256")
            .update(secret ?? "")
            .digest("hex"),
        );
        assert.strictEqual(row?.created_by, a.userId);

        const listed = yield* call("GET", "/v1/api-keys", { token: a.token });
        assert.strictEqual(listed.status, 200);
        assert.deepStrictEqual(
          listed.body.items.map((k: { id: string; role: string; lastUsedAt: unknown }) => [k.id, k.role, k.lastUsedAt]),
          [[id, "admin", null]],
        );
        const text = JSON.stringify(listed.body);
        assert.notInclude(text, secret ?? "");
        assert.notInclude(text, row?.key_hash ?? "");
        assert.notProperty(listed.body.items[0], "key");
      }),
    );

    it.effect("a key acts in its organization with its role, no header needed; its use is recorded", () =>
      Effect.gen(function* () {
        const a = yield* signup("KeyUse");
        const { id, key } = (yield* createKey(a.token, { name: "bot", role: "member" })).body;
        const doc = yield* call("POST", "/v1/documents", { token: key, body: { title: "by a key" } });
        assert.strictEqual(doc.status, 201);
        assert.strictEqual(doc.body.authorId, null);
        const listed = yield* call("GET", "/v1/documents", { token: key });
        assert.deepStrictEqual(
          listed.body.items.map((d: { id: string }) => d.id),
          [doc.body.id],
        );
        const [used] = yield* adminQuery<{ last_used_at: Date | null }>(
          "select last_used_at from iam_api_key where id = $1",
          [id],
        );
        assert.isNotNull(used?.last_used_at);
        // The key's actions are audited with no actor; the key's creation with its creator.
        const audit = yield* adminQuery<{ action: string; actor_id: string | null }>(
          "select action, actor_id from shared_audit_event where organization_id = $1 order by id",
          [a.organizationId],
        );
        assert.deepStrictEqual(
          audit.map((e) => [e.action, e.actor_id]),
          [
            ["organization.created", a.userId],
            ["api_key.created", a.userId],
            ["document.created", null],
          ],
        );
      }),
    );

    it.effect("a member-role key cannot delete others' documents (403) nor manage keys", () =>
      Effect.gen(function* () {
        const a = yield* signup("KeyRoles");
        const { key } = (yield* createKey(a.token, { name: "reader", role: "member" })).body;
        const owned = (yield* call("POST", "/v1/documents", { token: a.token, body: { title: "owner's" } })).body;
        const refused = yield* call("DELETE", `/v1/documents/${owned.id}`, { token: key });
        assert.strictEqual(refused.status, 403);
        assert.lengthOf(yield* adminQuery("select 1 from documents_document where id = $1", [owned.id]), 1);
        assert.strictEqual((yield* call("GET", "/v1/api-keys", { token: key })).status, 403);
        // Not even an owner's key mints keys: only people manage them.
        const { key: ownerKey } = (yield* createKey(a.token, { name: "root", role: "owner" })).body;
        const minted = yield* createKey(ownerKey, { name: "more", role: "member" });
        assert.deepStrictEqual([minted.status, minted.body.message], [403, "an API key may not create API keys"]);
        assert.strictEqual((yield* call("GET", "/v1/api-keys", { token: ownerKey })).status, 200);
      }),
    );

    it.effect("admins create keys up to their own role; members none; an admin cannot revoke an owner's key", () =>
      Effect.gen(function* () {
        const a = yield* signup("KeyBounds");
        const admin = yield* personWithRole(a.organizationId as SharedEntityIds.OrganizationId, "admin");
        const member = yield* personWithRole(a.organizationId as SharedEntityIds.OrganizationId, "member");
        assert.strictEqual((yield* createKey(admin.token, { name: "a", role: "admin" })).status, 201);
        const above = yield* createKey(admin.token, { name: "o", role: "owner" });
        assert.deepStrictEqual(
          [above.status, above.body.message],
          [403, "your role (admin) may not create a key with the role owner"],
        );
        assert.strictEqual((yield* createKey(member.token, { name: "m", role: "member" })).status, 403);
        assert.strictEqual((yield* call("GET", "/v1/api-keys", { token: member.token })).status, 403);
        const ownerKey = (yield* createKey(a.token, { name: "owner's", role: "owner" })).body;
        assert.strictEqual((yield* call("DELETE", `/v1/api-keys/${ownerKey.id}`, { token: admin.token })).status, 403);
        assert.strictEqual((yield* call("GET", "/v1/documents", { token: ownerKey.key })).status, 200);
        assert.lengthOf(yield* adminQuery("select 1 from iam_api_key where role = 'owner' and name = 'owner''s'"), 1);
      }),
    );

    it.effect(
      "revoked (204), unknown, tampered, expired and malformed keys are 401; another organization's is 404",
      () =>
        Effect.gen(function* () {
          const a = yield* signup("KeyRevoke");
          const b = yield* signup("KeyOther");
          const { id, key } = (yield* createKey(a.token, { name: "temp", role: "member" })).body;
          const expiring = (yield* createKey(a.token, { name: "old", role: "member" })).body;
          assert.strictEqual((yield* call("GET", "/v1/documents", { token: key })).status, 200);
          // Another organization neither sees nor revokes it.
          assert.strictEqual((yield* call("DELETE", `/v1/api-keys/${id}`, { token: b.token })).status, 404);
          assert.deepStrictEqual((yield* call("GET", "/v1/api-keys", { token: b.token })).body.items, []);
          // Its text names its organization: pointed at another one, it is found nowhere.
          const moved = key.replace(a.organizationId, b.organizationId);
          const tampered = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
          yield* adminQuery("update iam_api_key set expires_at = now() - interval '1 second' where id = $1", [
            expiring.id,
          ]);
          const revoked = yield* call("DELETE", `/v1/api-keys/${id}`, { token: a.token });
          assert.deepStrictEqual(revoked, { status: 204, body: null });
          const cases: ReadonlyArray<readonly [string, string, string]> = [
            ["revoked", key, "API key is not valid"],
            ["moved", moved, "API key is not valid"],
            ["tampered", tampered, "API key is not valid"],
            ["expired", expiring.key, "API key expired"],
            ["malformed", "beep_key.nothing", "API key is malformed"],
          ];
          for (const [name, token, message] of cases) {
            const reply = yield* call("GET", "/v1/documents", { token });
            assert.deepStrictEqual([reply.status, reply.body.message], [401, message], name);
            assert.notInclude(JSON.stringify(reply.body), token);
          }
          // A key names its organization itself: a header naming another is refused.
          const { key: live } = (yield* createKey(a.token, { name: "live", role: "member" })).body;
          const elsewhere = yield* call("GET", "/v1/documents", {
            token: live,
            headers: { "x-organization-id": b.organizationId },
          });
          assert.strictEqual(elsewhere.status, 400);
          const audit = yield* adminQuery<{ action: string }>(
            "select action from shared_audit_event where entity_id = $1 order by id",
            [id],
          );
          assert.deepStrictEqual(
            audit.map((e) => e.action),
            ["api_key.created", "api_key.revoked"],
          );
        }),
    );

    it.effect("last_used_at is written at most once a minute", () =>
      Effect.gen(function* () {
        const a = yield* signup("KeyRate");
        const { id, key } = (yield* createKey(a.token, { name: "busy", role: "member" })).body;
        yield* call("GET", "/v1/documents", { token: key });
        const xmin = () =>
          Effect.map(
            adminQuery<{ xmin: string }>("select xmin::text from iam_api_key where id = $1", [id]),
            (rows) => rows[0]?.xmin,
          );
        const first = yield* xmin();
        yield* call("GET", "/v1/documents", { token: key });
        assert.strictEqual(yield* xmin(), first, "a second use within the minute writes nothing");
        yield* adminQuery("update iam_api_key set last_used_at = now() - interval '2 minutes' where id = $1", [id]);
        yield* call("GET", "/v1/documents", { token: key });
        const [row] = yield* adminQuery<{ recent: boolean }>(
          "select last_used_at > now() - interval '10 seconds' as recent from iam_api_key where id = $1",
          [id],
        );
        assert.isTrue(row?.recent);
      }),
    );
  });

describe("API keys", () => suite(layer));

Testkit.describeWithCitus("API keys, on a Citus cluster", (citus) => suite(layerOnCitus(citus)));
