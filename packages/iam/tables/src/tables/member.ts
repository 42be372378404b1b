import type { SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables, TenantContext, TenantRole } from "@beep/shared-tables";
import { sql } from "drizzle-orm";
import { index, pgPolicy, text, unique } from "drizzle-orm/pg-core";
import * as IamEntityIds from "../IamEntityIds.ts";

export const MEMBER_ROLES = TenantRole.ROLES;
export type MemberRole = TenantRole.Role;

const ROLE = TenantContext.CURRENT_ROLE_SQL;

/**
 * A user's membership in an organization: at most one per organization and user. A membership is only ever
 * created by its user (the context's user: signup, or accepting an invitation), so no tenant can annex anyone;
 * `user_id` cannot be changed by the runtime role (column grants). `email` and `name` are the member's profile
 * in this organization: what the organization sees of them, since the global user row is the user's alone.
 *
 * Its user reads it in their own context (their list of organizations: `userColumn`). It is where a person's role
 * comes from (`roleColumn`: `beep.assume_role()` re-signs a request's context with it). Roles: anyone reads their own membership (how a request finds its role); members read the others; a new
 * organization's owner, or someone accepting an invitation (never as owner), adds their own; admins change and
 * remove members and admins, owners everyone.
 */
export const member = OrgTable.make(IamEntityIds.MemberId, { userColumn: "user_id", roleColumn: "role" })(
  {
    userId: text("user_id")
      .$type<SharedEntityIds.UserId>()
      .notNull()
      .references(() => SharedTables.user.id, { onDelete: "cascade" }),
    role: text("role").$type<MemberRole>().notNull(),
    email: text("email").notNull().default(""),
    name: text("name").notNull().default(""),
  },
  (t) => [
    unique("iam_member_organization_id_user_id_unique").on(t.organizationId, t.userId),
    index("iam_member_user_id_idx").on(t.userId),
    index("iam_member_role_idx").on(t.role),
    ...OrgTable.roles(t, [
      { for: "select", own: "user_id" },
      { for: "select", to: "member" },
      { for: "insert", to: "owner" },
      { for: "insert", label: "invitee", where: `${ROLE} LIKE '${TenantRole.INVITEE_PREFIX}%' AND "role" <> 'owner'` },
      { for: "update", to: "admin", where: `"role" <> 'owner' OR ${ROLE} = 'owner'` },
      { for: "delete", to: "admin", where: `"role" <> 'owner' OR ${ROLE} = 'owner'` },
    ]),
    pgPolicy("member_insert_self_iam_member", {
      as: "restrictive",
      for: "insert",
      to: "public",
      withCheck: sql.raw(`"user_id" = ${TenantContext.CURRENT_USER_ID_SQL}`),
    }),
  ],
);
