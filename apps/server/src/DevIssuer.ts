import { randomUUID } from "node:crypto";
import type { SharedEntityIds } from "@beep/shared-domain";
import { Context, Effect } from "effect";
import { createLocalJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from "jose";
import * as Identity from "./Identity.ts";
import * as Oidc from "./Oidc.ts";

/**
 * `bun run dev`'s own identity provider, when no real one is configured: an ES256 key generated at startup (so its
 * tokens die with the process), its public half served as a JWKS, and tokens that go through the same verification
 * (`Oidc.verify`: issuer, audience, expiry, algorithm) and the same just-in-time user as a provider's. Never part
 * of `bun run start`.
 */
export const ISSUER = "urn:beep:dev";
export const AUDIENCE = "beep-dev";
/** Dev tokens last a working day. */
export const TTL_SECONDS = 12 * 60 * 60;

export interface SignedIn {
  readonly token: string;
  readonly expiresAt: Date;
  readonly userId: SharedEntityIds.UserId;
}

export interface DevIssuerShape {
  /** What `Oidc.Issuers` must hold for its tokens to be accepted. */
  readonly issuer: Oidc.Issuer;
  /** The public key, as the JWKS a provider publishes. */
  readonly jwks: JSONWebKeySet;
  /** A token for the person with this (verified) email: the email is the subject. */
  readonly signIn: (person: { readonly email: string; readonly name?: string | undefined }) => Effect.Effect<SignedIn>;
}

export class DevIssuer extends Context.Tag("@beep/server/DevIssuer")<DevIssuer, DevIssuerShape>() {}

export const make: Effect.Effect<DevIssuerShape> = Effect.promise(async () => {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const kid = randomUUID();
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" }] };
  const issuer: Oidc.Issuer = {
    issuer: ISSUER,
    audience: AUDIENCE,
    claims: Oidc.DEFAULT_CLAIMS,
    clockSkewSeconds: Oidc.DEFAULT_CLOCK_SKEW_SECONDS,
    // The key is this process's own: no fetch, but the same checks as a fetched one.
    keys: createLocalJWKSet(jwks),
  };
  return {
    issuer,
    jwks,
    signIn: ({ email, name }) =>
      Effect.promise(async () => {
        const exp = Math.floor(Date.now() / 1000) + TTL_SECONDS;
        const token = await new SignJWT({ email, email_verified: true, ...(name === undefined ? {} : { name }) })
          .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setSubject(email)
          .setIssuedAt()
          .setExpirationTime(exp)
          .sign(privateKey);
        return { token, expiresAt: new Date(exp * 1000), userId: Identity.userIdFor(ISSUER, email) };
      }),
  };
});
