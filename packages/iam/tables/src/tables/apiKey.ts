import { IamEntityIds, type SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables } from "@beep/shared-tables";
import { text, timestamp, unique } from "drizzle-orm/pg-core";

/** An API key. Only a hash of the secret is stored; `prefix` lets a person recognise the key. */
export const apiKey = OrgTable.make(IamEntityIds.ApiKeyId)(
  {
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    createdBy: text("created_by")
      .$type<SharedEntityIds.UserId>()
      .references(() => SharedTables.user.id, { onDelete: "set null" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [unique("iam_api_key_organization_id_key_hash_unique").on(t.organizationId, t.keyHash)],
);
