import { SharedEntityIds } from "@beep/shared-domain";
import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { ConfigProvider, Effect, Either, Layer, Option } from "effect";
import { SignJWT } from "jose";
import * as Identity from "../src/Identity.ts";
import * as Oidc from "../src/Oidc.ts";
import * as Start from "../src/Start.ts";
import {
  AUDIENCE,
  addMember,
  COOLDOWN_SECONDS,
  hs256,
  ISSUER,
  issuers,
  provider,
  settingsFor,
  TestProvider,
} from "./support/AuthFixtures.ts";
import { adminQuery, call, signup } from "./support/Client.ts";
import { AUTH_SECRET, layerOnCitus, layerWith } from "./support/TestServer.ts";

/** A second issuer whose JWKS URL answers nothing: its tokens meet an unreachable provider. */
const DOWN_ISSUER = "https://down.test.example";
const down = Oidc.remote({ ...settingsFor("http://127.0.0.1:9/jwks.json"), issuer: DOWN_ISSUER });

const withProvider = (server: ReturnType<typeof layerWith>) =>
  server.pipe(Layer.provide(issuers([down])), Layer.provideMerge(provider));

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);
let subjects = 0;
const newSubject = () => `subject-${++subjects}-${Date.now()}`;

const refusal = (token: string, headers: Record<string, string> = {}) =>
  Effect.map(call("GET", "/v1/documents", { token, headers }), (reply) => {
    assert.notInclude(JSON.stringify(reply.body), token, "a refusal never echoes the token");
    return [reply.status, reply.body?.message];
  });

const wait = (seconds: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, seconds * 1000)));

const suite = (server: ReturnType<typeof layerWith>) =>
  it.layer(withProvider(server), { timeout: 60_000 })((it) => {
    it.effect("the first request of a new subject creates its user; a changed email updates it", () =>
      Effect.gen(function* () {
        const idp = yield* TestProvider;
        const sub = newSubject();
        const userId = Identity.userIdFor(ISSUER, sub);
        const token = yield* idp.sign({ sub, email: "Ada@Example.com", email_verified: true, name: "Ada" });
        // No organization named: the token is good, the route needs one.
        assert.deepStrictEqual(yield* refusal(token), [
          400,
          "name the organization: send the X-Organization-Id header",
        ]);
        const [row] = yield* adminQuery("select * from shared_user where id = $1", [userId]);
        assert.deepInclude(row, {
          email: "ada@example.com",
          email_verified: true,
          name: "Ada",
          issuer: ISSUER,
          subject: sub,
        });
        const changed = yield* idp.sign({ sub, email: "ada@new.example", name: "Ada" });
        yield* call("GET", "/v1/documents", { token: changed });
        const [after] = yield* adminQuery("select * from shared_user where id = $1", [userId]);
        assert.deepInclude(after, { email: "ada@new.example", email_verified: false });
        assert.lengthOf(yield* adminQuery("select 1 from shared_user where subject = $1", [sub]), 1);
      }),
    );

    it.effect("an unchanged identity writes nothing; the user id is the same for the same issuer and subject", () =>
      Effect.gen(function* () {
        const identity = {
          issuer: ISSUER,
          subject: newSubject(),
          email: "b@x.example",
          emailVerified: true,
          name: "B",
        };
        const id = yield* Identity.upsert(identity);
        const [first] = yield* adminQuery<{ xmin: string }>("select xmin::text from shared_user where id = $1", [id]);
        assert.strictEqual(yield* Identity.upsert(identity), id);
        const [second] = yield* adminQuery<{ xmin: string }>("select xmin::text from shared_user where id = $1", [id]);
        assert.strictEqual(second?.xmin, first?.xmin);
        assert.isTrue(SharedEntityIds.UserId.is(id));
        assert.strictEqual(Identity.userIdFor(ISSUER, identity.subject), id);
        assert.notStrictEqual(Identity.userIdFor("https://other.example", identity.subject), id);
      }),
    );

    it.effect("X-Organization-Id: a member acts in it; a non-member is 401; malformed is 400", () =>
      Effect.gen(function* () {
        const idp = yield* TestProvider;
        const sub = newSubject();
        const token = yield* idp.sign({ sub, email: "m@x.example", email_verified: true });
        yield* call("GET", "/v1/documents", { token });
        const mine = SharedEntityIds.OrganizationId.create();
        yield* addMember(mine, Identity.userIdFor(ISSUER, sub), "owner", { organization: true });
        const headers = { "x-organization-id": mine };
        const created = yield* call("POST", "/v1/documents", { token, headers, body: { title: "oidc" } });
        assert.strictEqual(created.status, 201);
        assert.strictEqual(created.body.authorId, Identity.userIdFor(ISSUER, sub));
        const listed = yield* call("GET", "/v1/documents", { token, headers });
        assert.deepStrictEqual(
          listed.body.items.map((d: { title: string }) => d.title),
          ["oidc"],
        );
        const other = yield* signup("NotTheirs");
        assert.deepStrictEqual(yield* refusal(token, { "x-organization-id": other.organizationId }), [
          401,
          "not a member of this organization",
        ]);
        const [status] = yield* refusal(token, { "x-organization-id": "shared_organization__nope" });
        assert.strictEqual(status, 400);
      }),
    );

    it.effect("RS256 and EdDSA keys are accepted as well as ES256", () =>
      Effect.gen(function* () {
        const idp = yield* TestProvider;
        for (const kid of ["rs", "ed"] as const) {
          const token = yield* idp.sign({ sub: newSubject(), email: `${kid}@x.example` }, { kid });
          assert.strictEqual((yield* refusal(token))[0], 400, kid);
        }
      }),
    );

    it.effect("wrong issuer, wrong audience, expired, not yet valid, alg none and HS256 are 401 with a reason", () =>
      Effect.gen(function* () {
        const idp = yield* TestProvider;
        const claims = { sub: newSubject(), email: "r@x.example" };
        const cases: ReadonlyArray<readonly [string, string, string]> = [
          ["issuer", yield* idp.sign({ ...claims, iss: "https://evil.example" }), "token issuer is not accepted"],
          ["audience", yield* idp.sign({ ...claims, aud: "someone-else" }), "token audience is not accepted"],
          ["expired", yield* idp.sign({ ...claims, exp: now() - 120 }), "token expired"],
          ["not yet valid", yield* idp.sign({ ...claims, nbf: now() + 120 }), "token is not yet valid"],
          ["no exp", yield* idp.sign({ ...claims, exp: undefined }), 'token claim "exp" is missing'],
          ["no email", yield* idp.sign({ sub: newSubject() }), 'token has no "email" claim'],
          [
            "alg none",
            `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ ...claims, iss: ISSUER, aud: AUDIENCE, exp: now() + 60 })}.`,
            "token algorithm is not allowed",
          ],
          [
            "HS256 with the issuer",
            yield* Effect.promise(() =>
              new SignJWT({ ...claims })
                .setProtectedHeader({ alg: "HS256" })
                .setIssuer(ISSUER)
                .setAudience(AUDIENCE)
                .setExpirationTime("5m")
                .sign(new TextEncoder().encode(AUTH_SECRET)),
            ),
            "token algorithm is not allowed",
          ],
        ];
        for (const [name, token, reason] of cases) {
          assert.deepStrictEqual(yield* refusal(token), [401, reason], name);
        }
        // Within the clock skew (60 s), a token just expired or about to start is still good.
        assert.strictEqual((yield* refusal(yield* idp.sign({ ...claims, exp: now() - 20 })))[0], 400);
        assert.strictEqual((yield* refusal(yield* idp.sign({ ...claims, nbf: now() + 20 })))[0], 400);
      }),
    );

    it.effect("an unknown kid fetches the keys once (after the cooldown), then 401; a rotated key is accepted", () =>
      Effect.gen(function* () {
        const idp = yield* TestProvider;
        const claims = { sub: newSubject(), email: "k@x.example" };
        yield* refusal(yield* idp.sign(claims));
        yield* wait(COOLDOWN_SECONDS + 0.2);
        const before = idp.fetches();
        const unknown = yield* idp.sign(claims, { kid: "unknown" });
        assert.deepStrictEqual(yield* refusal(unknown), [401, "token signing key is not one of the issuer's keys"]);
        assert.strictEqual(idp.fetches(), before + 1, "one fetch for the unknown kid");
        // Within the cooldown, unknown kids fetch nothing: made-up kids cannot make the server hammer the provider.
        assert.strictEqual((yield* refusal(unknown))[0], 401);
        assert.strictEqual(idp.fetches(), before + 1);
        // The provider rotates a new key in: refused until the cooldown has passed, then accepted after one fetch.
        idp.publish(["es", "rs", "ed", "rotated"]);
        const rotated = yield* idp.sign(claims, { kid: "rotated" });
        assert.strictEqual((yield* refusal(rotated))[0], 401);
        assert.strictEqual(idp.fetches(), before + 1);
        yield* wait(COOLDOWN_SECONDS + 0.2);
        assert.strictEqual((yield* refusal(rotated))[0], 400);
        assert.strictEqual(idp.fetches(), before + 2);
        assert.strictEqual((yield* refusal(rotated))[0], 400);
        assert.strictEqual(idp.fetches(), before + 2, "the new keys are cached");
        // A key signed by one key but naming another's kid: the signature does not verify.
        const lying = yield* idp.sign(claims, { kid: "rotated", signWith: "es" });
        assert.deepStrictEqual(yield* refusal(lying), [401, "token signature is invalid"]);
      }),
    );

    it.effect("a provider whose keys cannot be fetched is 503, not 401", () =>
      Effect.gen(function* () {
        const idp = yield* TestProvider;
        const token = yield* idp.sign({ iss: DOWN_ISSUER, sub: newSubject(), email: "d@x.example" });
        assert.deepStrictEqual(yield* refusal(token), [503, "identity provider unavailable"]);
      }),
    );

    it.effect("HS256 tokens still work; X-Organization-Id names the organization instead of org_id", () =>
      Effect.gen(function* () {
        const a = yield* signup("Hs");
        const b = yield* signup("HsOther");
        assert.strictEqual((yield* call("GET", "/v1/documents", { token: a.token })).status, 200);
        const token = yield* hs256(a.userId, a.organizationId);
        assert.strictEqual((yield* call("GET", "/v1/documents", { token })).status, 200);
        assert.deepStrictEqual(yield* refusal(token, { "x-organization-id": b.organizationId }), [
          401,
          "not a member of this organization",
        ]);
        const own = yield* call("GET", "/v1/documents", { token, headers: { "x-organization-id": a.organizationId } });
        assert.strictEqual(own.status, 200);
      }),
    );
  });

describe("identity provider tokens", () => suite(layerWith()));

Testkit.describeWithCitus("identity provider tokens, on a Citus cluster", (citus) => suite(layerOnCitus(citus)));

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))));

describe("identity provider settings", () => {
  const good = {
    AUTH_JWKS_URL: "https://idp.example/.well-known/jwks.json",
    AUTH_ISSUER: "https://idp.example/",
    AUTH_AUDIENCE: "beep",
  };

  it.effect("none set: no provider; all three: the provider with default claim names and skew", () =>
    Effect.gen(function* () {
      assert.isTrue(Option.isNone(yield* Oidc.settings.pipe(withEnv({}))));
      const found = Option.getOrThrow(yield* Oidc.settings.pipe(withEnv(good)));
      assert.deepStrictEqual(
        [found.issuer, found.audience, found.jwksUrl.href, found.clockSkewSeconds, found.claims],
        [good.AUTH_ISSUER, good.AUTH_AUDIENCE, good.AUTH_JWKS_URL, 60, Oidc.DEFAULT_CLAIMS],
      );
      const custom = Option.getOrThrow(
        yield* Oidc.settings.pipe(
          withEnv({ ...good, AUTH_EMAIL_CLAIM: "mail", AUTH_NAME_CLAIM: "nickname", AUTH_CLOCK_SKEW_SECONDS: "300" }),
        ),
      );
      assert.deepStrictEqual(
        [custom.claims.email, custom.claims.name, custom.claims.emailVerified, custom.clockSkewSeconds],
        ["mail", "nickname", "email_verified", 300],
      );
    }),
  );

  it.effect("some but not all, a non-https URL, or a skew over 300 are refused naming each problem", () =>
    Effect.gen(function* () {
      const problems = (env: Record<string, string>) =>
        Effect.map(Effect.either(Oidc.settings.pipe(withEnv(env))), (result) =>
          Either.isLeft(result) ? result.left.message : "accepted",
        );
      assert.match(yield* problems({ AUTH_ISSUER: "x" }), /AUTH_JWKS_URL is not set.*AUTH_AUDIENCE is not set/);
      assert.match(yield* problems({ ...good, AUTH_JWKS_URL: "http://idp.example/jwks" }), /must be an https:\/\//);
      assert.strictEqual(yield* problems({ ...good, AUTH_JWKS_URL: "http://localhost:8080/jwks" }), "accepted");
      assert.match(yield* problems({ ...good, AUTH_CLOCK_SKEW_SECONDS: "301" }), /from 0 to 300/);
      assert.match(yield* problems({ AUTH_EMAIL_CLAIM: "mail" }), /need AUTH_JWKS_URL/);
    }),
  );

  it.effect("bun run start's settings include them, in the same one-line refusal", () =>
    Effect.gen(function* () {
      const base = {
        AUTH_SECRET: "a-start-test-secret-of-at-least-32-characters",
        APP_DATABASE_URL: "postgres://beep_app:x@127.0.0.1:5432/beep",
        BEEP_CONTEXT_KEY: "a-context-key-of-at-least-32-characters!!",
      };
      const refused = yield* Effect.flip(Start.config.pipe(withEnv({ ...base, AUTH_ISSUER: "x" })));
      assert.match(refused.reason, /AUTH_JWKS_URL is not set/);
      const accepted = yield* Start.config.pipe(withEnv({ ...base, ...good }));
      assert.strictEqual(Option.getOrThrow(accepted.identityProvider).issuer, good.AUTH_ISSUER);
      assert.isTrue(Option.isNone((yield* Start.config.pipe(withEnv(base))).identityProvider));
    }),
  );
});
