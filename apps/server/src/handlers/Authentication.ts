import type { SharedEntityIds } from "@beep/shared-domain";
import { type DbErrors, TenantDb } from "@beep/shared-server";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import { Effect, Layer, Option, Redacted } from "effect";
import { decodeJwt } from "jose";
import { BadRequest, ServiceUnavailable, Unauthorized } from "../ApiErrors.ts";
import * as ApiKeys from "../ApiKeys.ts";
import { Authentication } from "../Authentication.ts";
import type { Session } from "../CurrentSession.ts";
import * as Identity from "../Identity.ts";
import * as Oidc from "../Oidc.ts";
import * as RequestLog from "../RequestLog.ts";
import { Tokens } from "../Token.ts";

const BEARER = /^Bearer [A-Za-z0-9._~+/=-]+$/;

/** The header that names the organization a person's request acts in (an identity provider's token names none). */
export const ORGANIZATION_HEADER = "x-organization-id";

/** The organization `X-Organization-Id` names, if sent; malformed (or the shared organization): 400. */
const namedOrganization = (request: HttpServerRequest.HttpServerRequest) => {
  const value = request.headers[ORGANIZATION_HEADER];
  if (value === undefined) return Effect.succeed(Option.none<SharedEntityIds.OrganizationId>());
  return TenantDb.parseOrganizationId(value).pipe(
    Effect.map(Option.some),
    Effect.mapError(
      () => new BadRequest({ message: "X-Organization-Id must be an organization id (shared_organization__<uuid>)" }),
    ),
  );
};

/** The unverified `iss`, only to choose the verifier; whichever it picks then checks everything. */
const issuerOf = (token: string): Effect.Effect<string | undefined, Unauthorized> =>
  Effect.try({
    try: () => decodeJwt(token).iss,
    catch: () => new Unauthorized({ message: "token is malformed" }),
  });

/** A database failure while recording the user: 503 when unreachable or slow, else a bug (500), logged either way. */
const databaseFailure = (error: DbErrors.DbError) =>
  Effect.zipRight(
    RequestLog.annotateError(error),
    error._tag === "DatabaseUnavailable" || error._tag === "QueryTimeout"
      ? Effect.fail(new ServiceUnavailable({ message: "database unavailable" }))
      : Effect.die(error),
  );

/**
 * Which verifier a bearer credential goes to:
 * - `beep_key.` + organization, key and secret: an API key, checked in the request's transaction
 *   (`ApiKeys.authorize`); it acts in its own organization;
 * - a JWT whose `iss` is an accepted issuer (`Oidc.Issuers`: `AUTH_ISSUER`, or dev's own): verified with that
 *   issuer's keys; its person's user is created or updated (`Identity`); `X-Organization-Id` names the organization;
 * - a JWT with no `iss`: HS256 with `AUTH_SECRET` (`sub`, `org_id`, `exp`); `X-Organization-Id`, when sent, names
 *   the organization instead of `org_id`;
 * - any other `iss`: 401.
 * Membership in the organization is checked by `RequestTenant.run`, in the request's own transaction.
 */
export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.gen(function* () {
    const tokens = yield* Tokens;
    const issuers = yield* Oidc.Issuers;
    const tenantDb = yield* TenantDb.TenantDb;
    const people = Identity.make();
    const bearer = (credential: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest;
        const header = request.headers.authorization;
        if (header === undefined || header === "") {
          return yield* new Unauthorized({ message: "missing bearer token" });
        }
        if (!BEARER.test(header)) {
          return yield* new Unauthorized({ message: "authorization header must be 'Bearer <token>'" });
        }
        const named = yield* namedOrganization(request);
        const text = Redacted.value(credential);
        let session: Session;
        if (ApiKeys.isApiKey(text)) {
          const key = yield* Option.match(ApiKeys.parse(text), {
            onNone: () => Effect.fail(new Unauthorized({ message: "API key is malformed" })),
            onSome: Effect.succeed,
          });
          if (Option.isSome(named) && named.value !== key.organizationId) {
            return yield* new BadRequest({ message: "an API key acts only in its own organization" });
          }
          session = { organizationId: key.organizationId, apiKey: { id: key.id, secretHash: key.secretHash } };
        } else {
          const iss = yield* issuerOf(text);
          if (iss === undefined) {
            const subject = yield* tokens
              .verify(text)
              .pipe(Effect.mapError((error) => new Unauthorized({ message: error.reason })));
            session = { userId: subject.userId, organizationId: Option.getOrElse(named, () => subject.organizationId) };
          } else {
            const issuer = issuers.find((candidate) => candidate.issuer === iss);
            if (issuer === undefined) return yield* new Unauthorized({ message: "token issuer is not accepted" });
            const identity = yield* Oidc.verify(issuer, text).pipe(
              Effect.catchTags({
                InvalidToken: (error) => Effect.fail(new Unauthorized({ message: error.reason })),
                KeysUnavailable: (error) =>
                  Effect.zipRight(
                    RequestLog.annotateError(error),
                    Effect.fail(new ServiceUnavailable({ message: "identity provider unavailable" })),
                  ),
              }),
            );
            const userId = yield* people
              .signIn(identity)
              .pipe(Effect.provideService(TenantDb.TenantDb, tenantDb), Effect.catchAll(databaseFailure));
            session = { userId, organizationId: Option.getOrUndefined(named) };
          }
        }
        if (session.organizationId !== undefined) yield* RequestLog.annotateOrganization(session.organizationId);
        return session;
      });
    return { bearer };
  }),
);
