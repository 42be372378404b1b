import type { SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables, TenantContext, TenantRole } from "@beep/shared-tables";
import { text, timestamp, unique } from "drizzle-orm/pg-core";
import * as IamEntityIds from "../IamEntityIds.ts";

const ROLE = TenantContext.CURRENT_ROLE_SQL;

/**
 * An API key: it authenticates as its organization with its role. Only a hash of the secret is stored; `prefix` lets
 * a person recognise the key. A request presenting a key first acts as that key (`TenantRole.apiKey(id)`): it reads
 * that key only and may touch `last_used_at` only (the runtime role may update no other column); admins manage keys
 * up to their own role, owners every key.
 */
export const apiKey = OrgTable.make(IamEntityIds.ApiKeyId)(
  {
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    role: text("role").$type<TenantRole.Role>().notNull().default("member"),
    createdBy: text("created_by")
      .$type<SharedEntityIds.UserId>()
      .references(() => SharedTables.user.id, { onDelete: "set null" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    ...OrgTable.roles(t, [
      { for: "select", label: "key", where: `${ROLE} = '${TenantRole.API_KEY_PREFIX}' || "id"` },
      { for: "update", label: "key", where: `${ROLE} = '${TenantRole.API_KEY_PREFIX}' || "id"` },
      // Admins see every one (so refusing them an owner's is a 403, not a 404), and change those below owner.
      { for: "select", to: "admin" },
      { for: "all", to: "admin", where: `"role" <> 'owner' OR ${ROLE} = 'owner'` },
    ]),
    unique("iam_api_key_organization_id_key_hash_unique").on(t.organizationId, t.keyHash),
  ],
);
