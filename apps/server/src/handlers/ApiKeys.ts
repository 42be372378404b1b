import { IamEntityIds, IamTables } from "@beep/iam-tables";
import { TenantTx } from "@beep/shared-server";
import { TenantRole } from "@beep/shared-tables";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import { asc, eq, gt } from "drizzle-orm";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { Forbidden, notFound } from "../ApiErrors.ts";
import * as ApiKeys from "../ApiKeys.ts";
import * as AuditLog from "../AuditLog.ts";
import { CurrentSession } from "../CurrentSession.ts";
import * as Pagination from "../Pagination.ts";
import * as RequestTenant from "../RequestTenant.ts";

const { apiKey } = IamTables;
const API_KEY = IamEntityIds.ApiKeyId.tableName;

const listed = {
  id: apiKey.id,
  name: apiKey.name,
  role: apiKey.role,
  prefix: apiKey.prefix,
  createdBy: apiKey.createdBy,
  createdAt: apiKey.createdAt,
  lastUsedAt: apiKey.lastUsedAt,
  expiresAt: apiKey.expiresAt,
};

const findKey = (id: IamEntityIds.ApiKeyId) =>
  TenantTx.use((db) => db.select({ id: apiKey.id }).from(apiKey).where(eq(apiKey.id, id)).limit(1)).pipe(
    Effect.flatMap((rows) => (rows[0] === undefined ? Effect.fail(notFound("API key")) : Effect.succeed(rows[0]))),
  );

/** Only people manage keys: a leaked key must not mint others that outlive its revocation. */
const person = (what: string) =>
  Effect.flatMap(CurrentSession, (session) =>
    session.userId === undefined
      ? Effect.fail(new Forbidden({ message: `an API key may not ${what}` }))
      : Effect.succeed(session.userId),
  );

const listKeys = Pagination.listing((db, after) =>
  db
    .select(listed)
    .from(apiKey)
    .where(after && gt(apiKey.id, after))
    .orderBy(asc(apiKey.id))
    .limit(Pagination.LIMIT),
);

export const ApiKeysLive = HttpApiBuilder.group(Api, "apiKeys", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          const userId = yield* person("create API keys");
          yield* RequestTenant.requireRole("admin", "create API keys");
          const role = yield* RequestTenant.currentRole;
          if (!TenantRole.covers(role, payload.role)) {
            return yield* new Forbidden({
              message: `your role (${role}) may not create a key with the role ${payload.role}`,
            });
          }
          const generated = ApiKeys.generate(yield* TenantTx.currentTenant);
          const [created] = yield* TenantTx.use((db) =>
            db
              .insert(apiKey)
              .values({
                id: generated.id,
                name: payload.name,
                role: payload.role,
                prefix: generated.prefix,
                keyHash: generated.secretHash,
                createdBy: userId,
              })
              .returning(listed),
          );
          if (created === undefined) return yield* Effect.die("insert returned no row");
          yield* AuditLog.recordForSession({ action: "api_key.created", entityType: API_KEY, entityId: created.id });
          return {
            id: created.id,
            key: generated.key,
            name: created.name,
            role: created.role,
            prefix: created.prefix,
            createdAt: created.createdAt,
          };
        }),
      ),
    )
    .handle("list", ({ urlParams }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          yield* RequestTenant.requireRole("admin", "list API keys");
          return yield* listKeys.last(urlParams);
        }),
      ),
    )
    .handle("revoke", ({ path }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          yield* person("revoke API keys");
          yield* RequestTenant.requireRole("admin", "revoke API keys");
          const [deleted] = yield* TenantTx.use((db) =>
            db.delete(apiKey).where(eq(apiKey.id, path.id)).returning({ id: apiKey.id }),
          );
          // An owner's key is out of an admin's reach: visible, so 403.
          if (deleted === undefined) return yield* RequestTenant.refusedOrMissing(findKey(path.id), "revoke this key");
          yield* AuditLog.recordForSession({ action: "api_key.revoked", entityType: API_KEY, entityId: deleted.id });
        }),
      ),
    ),
);
