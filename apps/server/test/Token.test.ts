import { SharedEntityIds } from "@beep/shared-domain";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Exit, Redacted } from "effect";
import * as Token from "../src/Token.ts";

const SECRET = Redacted.make("unit-test-secret-with-at-least-32-chars");
const session = { userId: SharedEntityIds.UserId.create(), organizationId: SharedEntityIds.OrganizationId.create() };

const reasonOf = <A>(effect: Effect.Effect<A, Token.InvalidToken>) =>
  Effect.map(Effect.flip(effect), (error) => error.reason);

describe("Token", () => {
  it.effect("a token it issued verifies to the same session, with sub, org_id and exp claims", () =>
    Effect.gen(function* () {
      const tokens = yield* Token.make(SECRET);
      const issued = yield* tokens.issue(session, 120);
      assert.deepStrictEqual(yield* tokens.verify(issued.token), session);
      const payload = JSON.parse(Buffer.from(issued.token.split(".")[1] ?? "", "base64url").toString());
      assert.deepInclude(payload, { sub: session.userId, org_id: session.organizationId });
      assert.strictEqual(payload.exp * 1000, issued.expiresAt.getTime());
      const header = JSON.parse(Buffer.from(issued.token.split(".")[0] ?? "", "base64url").toString());
      assert.strictEqual(header.alg, "HS256");
    }),
  );

  it.effect("refuses expired, forged, tampered and malformed tokens with a reason", () =>
    Effect.gen(function* () {
      const tokens = yield* Token.make(SECRET);
      const other = yield* Token.make(Redacted.make("a-different-secret-of-32-characters!!"));
      const expired = (yield* tokens.issue(session, -1)).token;
      const forged = (yield* other.issue(session)).token;
      const [header, , signature] = (yield* tokens.issue(session)).token.split(".");
      const claims = Buffer.from(JSON.stringify({ sub: session.userId, org_id: "x", exp: 9999999999 })).toString(
        "base64url",
      );
      assert.strictEqual(yield* reasonOf(tokens.verify(expired)), "token expired");
      assert.strictEqual(yield* reasonOf(tokens.verify(forged)), "token signature is invalid");
      assert.strictEqual(
        yield* reasonOf(tokens.verify(`${header}.${claims}.${signature}`)),
        "token signature is invalid",
      );
      assert.strictEqual(yield* reasonOf(tokens.verify("")), "token is malformed");
      assert.strictEqual(yield* reasonOf(tokens.verify("a.b.c")), "token is malformed");
    }),
  );

  it.effect("refuses well-signed tokens whose claims are not a user and an organization", () =>
    Effect.gen(function* () {
      const tokens = yield* Token.make(SECRET);
      const bad = yield* tokens.issue({ userId: "someone", organizationId: "org" } as never);
      assert.strictEqual(yield* reasonOf(tokens.verify(bad.token)), "token claims are malformed");
    }),
  );

  it.effect("refuses a secret shorter than 32 characters", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Token.make(Redacted.make("short")));
      assert.deepStrictEqual(exit, Exit.fail(new Token.WeakSecret({ length: 5 })));
    }),
  );
});
