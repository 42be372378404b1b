import { SharedEntityIds } from "@beep/shared-domain";
import { sql } from "drizzle-orm";
import { pgPolicy, text } from "drizzle-orm/pg-core";
import * as Table from "../Table.ts";
import { CURRENT_ORG_ID_SQL } from "../TenantContext.ts";

/** True when the user row is a member of the current organization (iam_member is itself tenant-isolated). */
const isMemberOfCurrentOrganization = sql.raw(
  `EXISTS (SELECT 1 FROM "iam_member" m WHERE m."user_id" = "shared_user"."id" AND m."organization_id" = ${CURRENT_ORG_ID_SQL})`,
);

/**
 * Users are global: one person can belong to many organizations. A tenant reads only the users
 * who are its members; anyone may sign up (insert); nobody deletes through the app.
 */
export const user = Table.withRls(
  Table.make(SharedEntityIds.UserId)(
    {
      email: text("email").notNull().unique("shared_user_email_unique"),
      name: text("name").notNull(),
    },
    () => [
      pgPolicy("user_select_members_shared_user", {
        as: "permissive",
        for: "select",
        to: "public",
        using: isMemberOfCurrentOrganization,
      }),
      pgPolicy("user_insert_shared_user", { as: "permissive", for: "insert", to: "public", withCheck: sql`true` }),
      pgPolicy("user_update_members_shared_user", {
        as: "permissive",
        for: "update",
        to: "public",
        using: isMemberOfCurrentOrganization,
        withCheck: isMemberOfCurrentOrganization,
      }),
    ],
  ),
);
