import { IamEntityIds } from "@beep/iam-tables";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Redacted } from "effect";
import * as Token from "../src/Token.ts";
import { adminQuery, call, signup } from "./support/Client.ts";
import { AUTH_SECRET, layer } from "./support/TestServer.ts";

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

const signedWith = (secret: string, session: { userId: string; organizationId: string }, ttlSeconds?: number) =>
  Effect.flatMap(Token.make(Redacted.make(secret)), (tokens) =>
    tokens.issue(session as Parameters<typeof tokens.issue>[0], ttlSeconds),
  ).pipe(Effect.map((issued) => issued.token));

describe("authentication", () => {
  it.layer(layer)((it) => {
    it.effect("missing, malformed, forged, expired and unsigned tokens are 401", () =>
      Effect.gen(function* () {
        const a = yield* signup("Auth");
        const session = { userId: a.userId, organizationId: a.organizationId };
        const forged = yield* signedWith("another-secret-that-is-also-32-characters-long", session);
        const expired = yield* signedWith(AUTH_SECRET, session, -60);
        const unsigned = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({
          sub: a.userId,
          org_id: a.organizationId,
          exp: Math.floor(Date.now() / 1000) + 600,
        })}.`;
        const cases: ReadonlyArray<readonly [string, Record<string, string>, string]> = [
          ["missing", {}, "missing bearer token"],
          ["not bearer", { authorization: `Basic ${a.token}` }, "authorization header must be 'Bearer <token>'"],
          ["malformed", { authorization: "Bearer not-a-jwt" }, "token is malformed"],
          ["forged", { authorization: `Bearer ${forged}` }, "token signature is invalid"],
          ["expired", { authorization: `Bearer ${expired}` }, "token expired"],
          ["alg none", { authorization: `Bearer ${unsigned}` }, "token algorithm is not allowed"],
        ];
        for (const [name, headers, message] of cases) {
          const reply = yield* call("GET", "/v1/documents", { headers });
          assert.deepStrictEqual([reply.status, reply.body], [401, { _tag: "Unauthorized", message }], name);
        }
        const ok = yield* call("GET", "/v1/documents", { token: a.token });
        assert.strictEqual(ok.status, 200);
      }),
    );

    it.effect("a correctly signed token for an organization the user is not a member of is 401", () =>
      Effect.gen(function* () {
        const a = yield* signup("Member");
        const b = yield* signup("Stranger");
        const token = yield* signedWith(AUTH_SECRET, { userId: a.userId, organizationId: b.organizationId });
        const reply = yield* call("GET", "/v1/documents", { token });
        assert.deepStrictEqual(reply.body, {
          _tag: "Unauthorized",
          message: "not a member of this organization",
        });
        assert.strictEqual(reply.status, 401);
        const write = yield* call("POST", "/v1/documents", { token, body: { title: "intrusion" } });
        assert.strictEqual(write.status, 401);
        const docs = yield* adminQuery("select id from documents_document where title = 'intrusion'");
        assert.lengthOf(docs, 0);
      }),
    );

    it.effect("POST /tokens exchanges a token for another organization of the same user, and only those", () =>
      Effect.gen(function* () {
        const a = yield* signup("Home");
        const other = yield* signup("Away");
        const stranger = yield* signup("Elsewhere");
        // The user joins a second organization (no invitation acceptance endpoint yet, so directly).
        yield* adminQuery("insert into iam_member (id, organization_id, user_id, role) values ($1, $2, $3, 'member')", [
          IamEntityIds.MemberId.create(),
          other.organizationId,
          a.userId,
        ]);
        const exchanged = yield* call("POST", "/v1/tokens", {
          token: a.token,
          body: { organizationId: other.organizationId },
        });
        assert.strictEqual(exchanged.status, 201);
        assert.deepStrictEqual(
          [exchanged.body.userId, exchanged.body.organizationId],
          [a.userId, other.organizationId],
        );
        const organization = yield* call("GET", "/v1/organization", { token: exchanged.body.token });
        assert.deepStrictEqual([organization.status, organization.body.name], [200, "Away"]);

        const refused = yield* call("POST", "/v1/tokens", {
          token: a.token,
          body: { organizationId: stranger.organizationId },
        });
        assert.deepStrictEqual([refused.status, refused.body._tag], [404, "NotFound"]);
        const unauthenticated = yield* call("POST", "/v1/tokens", { body: { organizationId: other.organizationId } });
        assert.strictEqual(unauthenticated.status, 401);
      }),
    );

    it.effect("signing up with an email already used answers like any signup: it never tells who is registered", () =>
      Effect.gen(function* () {
        const body = { email: "Dup@Example.com", name: "Dup", organizationName: "First" };
        const first = yield* call("POST", "/v1/signup", { body });
        const second = yield* call("POST", "/v1/signup", {
          body: { ...body, email: "dup@example.com ", organizationName: "Second" },
        });
        const fresh = yield* call("POST", "/v1/signup", { body: { ...body, email: "never-seen@example.com" } });
        assert.deepStrictEqual(
          [first, second, fresh].map((response) => [response.status, Object.keys(response.body).sort()]),
          Array(3).fill([201, Object.keys(fresh.body).sort()]),
        );
        // Separate users, each in their own organization: the second signup reached nothing of the first.
        assert.notStrictEqual(second.body.userId, first.body.userId);
        assert.notStrictEqual(second.body.organizationId, first.body.organizationId);
      }),
    );
  });
});
