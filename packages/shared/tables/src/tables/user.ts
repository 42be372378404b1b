import { SharedEntityIds } from "@beep/shared-domain";
import { sql } from "drizzle-orm";
import { boolean, pgPolicy, text, uniqueIndex } from "drizzle-orm/pg-core";
import * as Table from "../Table.ts";
import { CURRENT_USER_ID_SQL } from "../TenantContext.ts";

/** The user named by the tenant context's ticket: no subquery, so it holds on distributed tables too. */
const isCurrentUser = sql.raw(`"id" = ${CURRENT_USER_ID_SQL}`);

/**
 * Users are global: one person can belong to many organizations. Only the user reads, creates (signup) and
 * changes their own row; no tenant can, whoever its members are. What an organization shows of its members
 * is their per-organization profile on `iam_member`. Nobody deletes through the app.
 */
export const user = Table.withRls(
  Table.make(SharedEntityIds.UserId)(
    {
      // Not unique: a sign-up must not reveal whether an address is taken, and only verified addresses count.
      email: text("email").notNull(),
      /** Whether the identity provider vouched for `email` (`email_verified`): only a verified address accepts invitations. */
      emailVerified: boolean("email_verified").notNull().default(false),
      name: text("name").notNull(),
      /** The identity provider's issuer and subject of a user it signs in (the user's id is derived from them). */
      issuer: text("issuer"),
      subject: text("subject"),
    },
    (t) => [
      uniqueIndex("shared_user_issuer_subject_idx").on(t.issuer, t.subject),
      pgPolicy("user_select_self_shared_user", { as: "permissive", for: "select", to: "public", using: isCurrentUser }),
      pgPolicy("user_insert_self_shared_user", {
        as: "permissive",
        for: "insert",
        to: "public",
        withCheck: isCurrentUser,
      }),
      pgPolicy("user_update_self_shared_user", {
        as: "permissive",
        for: "update",
        to: "public",
        using: isCurrentUser,
        withCheck: isCurrentUser,
      }),
    ],
  ),
);
