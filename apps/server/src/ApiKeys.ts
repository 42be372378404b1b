import { createHash, randomBytes } from "node:crypto";
import { IamEntityIds, IamTables } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { type DbErrors, TenantTx } from "@beep/shared-server";
import { TenantRole } from "@beep/shared-tables";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import { Effect, Option } from "effect";
import { Unauthorized } from "./ApiErrors.ts";

const { apiKey } = IamTables;

/**
 * An API key's text: `beep_key.<organization id>.<key id>.<secret>`. Keys live in their organization's table, so the
 * text names the organization (the request's tenant) and the key (its row); the secret is 32 random bytes,
 * base64url. Only the secret's SHA-256 (hex) is stored.
 */
export const SCHEME = "beep_key";
const SECRET = /^[A-Za-z0-9_-]{43}$/;
/** How many of the secret's first characters are kept (`prefix`) so a person can tell their keys apart. */
export const PREFIX_LENGTH = 8;

export interface Generated {
  readonly id: IamEntityIds.ApiKeyId;
  readonly key: string;
  readonly secretHash: string;
  readonly prefix: string;
}

export const hash = (secret: string): string => createHash("sha256").update(secret).digest("hex");

/** A new key of `organizationId`: shown once, never stored. */
export const generate = (organizationId: SharedEntityIds.OrganizationId): Generated => {
  const id = IamEntityIds.ApiKeyId.create();
  const secret = randomBytes(32).toString("base64url");
  return {
    id,
    key: `${SCHEME}.${organizationId}.${id}.${secret}`,
    secretHash: hash(secret),
    prefix: secret.slice(0, PREFIX_LENGTH),
  };
};

export interface Presented {
  readonly organizationId: SharedEntityIds.OrganizationId;
  readonly id: IamEntityIds.ApiKeyId;
  readonly secretHash: string;
}

/** Whether a bearer credential is meant as an API key (and not a JWT). */
export const isApiKey = (credential: string): boolean => credential.startsWith(`${SCHEME}.`);

/** What an API key's text names; none when it is not a well-formed key. */
export const parse = (credential: string): Option.Option<Presented> => {
  const [scheme, organizationId, id, secret, ...rest] = credential.split(".");
  if (
    scheme !== SCHEME ||
    rest.length > 0 ||
    !SharedEntityIds.OrganizationId.is(organizationId) ||
    !IamEntityIds.ApiKeyId.is(id) ||
    secret === undefined ||
    !SECRET.test(secret)
  ) {
    return Option.none();
  }
  return Option.some({ organizationId, id, secretHash: hash(secret) });
};

/** `last_used_at` is written at most once a minute per key: not a write per request. */
const USE_RECORDED_EVERY = sql`now() - interval '1 minute'`;

/**
 * Checks an API key in the request's transaction and returns its role. The lookup acts as that key
 * (`TenantRole.apiKey(id)`): it sees that key's row only and may touch only its `last_used_at`. Unknown, revoked or
 * expired: 401. Records its use, unless recorded in the last minute; a request that fails rolls that back with the
 * rest.
 */
export const authorize = (presented: {
  readonly id: string;
  readonly secretHash: string;
}): Effect.Effect<TenantRole.Role, Unauthorized | DbErrors.DbError, TenantTx.TenantTx> =>
  Effect.gen(function* () {
    const invalid = new Unauthorized({ message: "API key is not valid" });
    const id = presented.id;
    if (!IamEntityIds.ApiKeyId.is(id)) return yield* invalid;
    return yield* TenantTx.asRole(TenantRole.apiKey(id))(lookUp(id, presented.secretHash, invalid));
  });

const lookUp = (id: IamEntityIds.ApiKeyId, secretHash: string, invalid: Unauthorized) =>
  Effect.gen(function* () {
    const [found] = yield* TenantTx.use((db) =>
      db
        .select({ role: apiKey.role, expired: sql<boolean>`coalesce(${apiKey.expiresAt} <= now(), false)` })
        .from(apiKey)
        .where(and(eq(apiKey.id, id), eq(apiKey.keyHash, secretHash)))
        .limit(1),
    );
    if (found === undefined || !TenantRole.isRole(found.role)) return yield* invalid;
    if (found.expired) return yield* new Unauthorized({ message: "API key expired" });
    yield* TenantTx.use((db) =>
      db
        .update(apiKey)
        .set({ lastUsedAt: sql`now()` })
        .where(and(eq(apiKey.id, id), or(isNull(apiKey.lastUsedAt), lt(apiKey.lastUsedAt, USE_RECORDED_EVERY)))),
    );
    return found.role;
  });
