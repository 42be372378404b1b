import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { IamTables } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { TenantDb, TenantTx } from "@beep/shared-server";
import { SharedTables, type TenantRole } from "@beep/shared-tables";
import { Context, Effect, Layer } from "effect";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import * as Oidc from "../../src/Oidc.ts";
import { AUTH_SECRET } from "./TestServer.ts";

export const ISSUER = "https://idp.test.example";
export const AUDIENCE = "beep-api";

type Alg = "ES256" | "RS256" | "EdDSA";

/** The kids of the keys the test provider holds; `rotated` is published only when a test rotates it in. */
export const KEYS = { es: "ES256", rs: "RS256", ed: "EdDSA", rotated: "ES256" } as const satisfies Record<string, Alg>;
export type Kid = keyof typeof KEYS;

export interface TestProviderShape {
  readonly jwksUrl: string;
  /** How many times the JWKS was fetched. */
  readonly fetches: () => number;
  /** Which keys the JWKS lists from now on. */
  readonly publish: (kids: ReadonlyArray<Kid>) => void;
  /** A token signed with `kid` (by default for `ISSUER` and `AUDIENCE`, valid five minutes). */
  readonly sign: (
    claims: Record<string, unknown>,
    options?: { readonly kid?: Kid | "unknown"; readonly signWith?: Kid },
  ) => Effect.Effect<string>;
}

/** An identity provider the tests run: its keys (jose-generated) and a JWKS endpoint on 127.0.0.1. */
export class TestProvider extends Context.Tag("test/TestProvider")<TestProvider, TestProviderShape>() {}

export const provider = Layer.scoped(
  TestProvider,
  Effect.gen(function* () {
    const pairs = new Map<Kid, { privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"]; jwk: JWK }>();
    for (const [kid, alg] of Object.entries(KEYS) as Array<[Kid, Alg]>) {
      const pair = yield* Effect.promise(() => generateKeyPair(alg));
      const jwk = yield* Effect.promise(() => exportJWK(pair.publicKey));
      pairs.set(kid, { privateKey: pair.privateKey, jwk: { ...jwk, kid, alg, use: "sig" } });
    }
    let published: ReadonlyArray<Kid> = ["es", "rs", "ed"];
    let fetches = 0;
    const server = createServer((_request, response) => {
      fetches += 1;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ keys: published.map((kid) => pairs.get(kid)?.jwk) }));
    });
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void));
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void));
        }),
    );
    const { port } = server.address() as AddressInfo;
    return {
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      fetches: () => fetches,
      publish: (kids) => {
        published = kids;
      },
      sign: (claims, options = {}) =>
        Effect.promise(() => {
          const kid = options.kid ?? "es";
          const key = pairs.get(options.signWith ?? (kid === "unknown" ? "es" : kid));
          if (key === undefined) throw new Error("no such key");
          const now = Math.floor(Date.now() / 1000);
          return new SignJWT({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300, ...claims } as JWTPayload)
            .setProtectedHeader({ alg: String(key.jwk.alg), kid, typ: "JWT" })
            .sign(key.privateKey);
        }),
    };
  }),
);

/** Short, so a test can wait it out: an unknown kid fetches the JWKS again only once it has passed. */
export const COOLDOWN_SECONDS = 1;

export const settingsFor = (jwksUrl: string): Oidc.Settings => ({
  jwksUrl: new URL(jwksUrl),
  issuer: ISSUER,
  audience: AUDIENCE,
  claims: Oidc.DEFAULT_CLAIMS,
  clockSkewSeconds: Oidc.DEFAULT_CLOCK_SKEW_SECONDS,
});

/** `Oidc.Issuers` naming the test provider (and `extra`), for the server built after it. */
export const issuers = (extra: ReadonlyArray<Oidc.Issuer> = []) =>
  Layer.effect(
    Oidc.Issuers,
    Effect.map(TestProvider, (idp) => [
      Oidc.remote(settingsFor(idp.jwksUrl), { cooldownSeconds: COOLDOWN_SECONDS }),
      ...extra,
    ]),
  );

/** An HS256 token as `POST /v1/signup` issues them. */
export const hs256 = (userId: string, organizationId: string) =>
  Effect.promise(() =>
    new SignJWT({ org_id: organizationId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(AUTH_SECRET)),
  );

/**
 * Makes `userId` a member of `organizationId` with `role`, through tenant context as that user (the way a new
 * organization's owner adds their own membership); creates the organization and the user when `create` says so.
 */
export const addMember = (
  organizationId: SharedEntityIds.OrganizationId,
  userId: SharedEntityIds.UserId,
  role: TenantRole.Role,
  create: { readonly organization?: boolean; readonly user?: boolean } = {},
) =>
  TenantDb.withContext({ organizationId, userId, role: "owner" })(
    Effect.gen(function* () {
      if (create.organization === true) {
        yield* TenantTx.use((db) =>
          db.insert(SharedTables.organization).values({ id: organizationId, name: "Fixture" }),
        );
      }
      if (create.user === true) {
        yield* TenantTx.use((db) =>
          db.insert(SharedTables.user).values({ id: userId, email: `${role}@fixture.example`, name: role }),
        );
      }
      yield* TenantTx.use((db) =>
        db.insert(IamTables.member).values({ userId, role, email: `${role}@fixture.example`, name: role }),
      );
    }),
  ).pipe(Effect.orDie);

/** A new person (HS256 token) with `role` in `organizationId`. */
export const personWithRole = (organizationId: SharedEntityIds.OrganizationId, role: TenantRole.Role) =>
  Effect.gen(function* () {
    const userId = SharedEntityIds.UserId.create();
    yield* addMember(organizationId, userId, role, { user: true });
    return { userId, token: yield* hs256(userId, organizationId) };
  });
