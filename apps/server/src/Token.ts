import { SharedEntityIds } from "@beep/shared-domain";
import { Context, Data, Effect, Layer, Redacted, Schema } from "effect";
import { errors as JoseErrors, jwtVerify, SignJWT } from "jose";

/** Why a bearer token was refused; the reason is safe to show (it never contains the token). */
export class InvalidToken extends Data.TaggedError("InvalidToken")<{ readonly reason: string }> {
  override get message() {
    return this.reason;
  }
}

export class WeakSecret extends Data.TaggedError("WeakSecret")<{ readonly length: number }> {
  override get message() {
    return `AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters (got ${this.length})`;
  }
}

export const MIN_SECRET_LENGTH = 32;
export const ALGORITHM = "HS256";
/** Tokens from signup and exchange live one hour. */
export const DEFAULT_TTL_SECONDS = 60 * 60;

const Claims = Schema.Struct({
  sub: SharedEntityIds.UserId.schema,
  org_id: SharedEntityIds.OrganizationId.schema,
  exp: Schema.Number,
});

export interface Issued {
  readonly token: string;
  readonly expiresAt: Date;
}

/** Whom a token names: a user, in an organization. */
export interface Subject {
  readonly userId: SharedEntityIds.UserId;
  readonly organizationId: SharedEntityIds.OrganizationId;
}

export interface TokensShape {
  readonly issue: (subject: Subject, ttlSeconds?: number) => Effect.Effect<Issued>;
  readonly verify: (token: string) => Effect.Effect<Subject, InvalidToken>;
}

/** Signs and verifies HS256 tokens with claims `sub` (user), `org_id` and `exp`. */
export class Tokens extends Context.Tag("@beep/server/Tokens")<Tokens, TokensShape>() {}

const describe = (cause: unknown): string => {
  if (cause instanceof JoseErrors.JWTExpired) return "token expired";
  if (cause instanceof JoseErrors.JWSSignatureVerificationFailed) return "token signature is invalid";
  if (cause instanceof JoseErrors.JOSEAlgNotAllowed) return "token algorithm is not allowed";
  if (cause instanceof JoseErrors.JWTClaimValidationFailed) return `token claim "${cause.claim}" is invalid`;
  return "token is malformed";
};

export const make = (secret: Redacted.Redacted<string>): Effect.Effect<TokensShape, WeakSecret> =>
  Effect.gen(function* () {
    const value = Redacted.value(secret);
    if (value.length < MIN_SECRET_LENGTH) return yield* new WeakSecret({ length: value.length });
    // Imported once: jose would import raw key bytes again on every token it signs or checks.
    const key = yield* Effect.promise(() =>
      crypto.subtle.importKey("raw", new TextEncoder().encode(value), { name: "HMAC", hash: "SHA-256" }, false, [
        "sign",
        "verify",
      ]),
    );
    const decodeClaims = Schema.decodeUnknown(Claims);
    return {
      issue: (subject, ttlSeconds = DEFAULT_TTL_SECONDS) =>
        Effect.promise(async () => {
          const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
          const token = await new SignJWT({ org_id: subject.organizationId })
            .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
            .setSubject(subject.userId)
            .setIssuedAt()
            .setExpirationTime(exp)
            .sign(key);
          return { token, expiresAt: new Date(exp * 1000) };
        }),
      verify: (token) =>
        Effect.tryPromise({
          try: () => jwtVerify(token, key, { algorithms: [ALGORITHM], requiredClaims: ["sub", "org_id", "exp"] }),
          catch: (cause) => new InvalidToken({ reason: describe(cause) }),
        }).pipe(
          Effect.flatMap(({ payload }) => decodeClaims(payload)),
          Effect.mapError((error) =>
            error._tag === "InvalidToken" ? error : new InvalidToken({ reason: "token claims are malformed" }),
          ),
          Effect.map((claims) => ({ userId: claims.sub, organizationId: claims.org_id })),
        ),
    };
  });

export const layer = (secret: Redacted.Redacted<string>): Layer.Layer<Tokens, WeakSecret> =>
  Layer.effect(Tokens, make(secret));
