import { IamEntityIds, type SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables } from "@beep/shared-tables";
import { index, text, unique } from "drizzle-orm/pg-core";

export const MEMBER_ROLES = ["owner", "admin", "member"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** A user's membership in an organization: at most one per organization and user. */
export const member = OrgTable.make(IamEntityIds.MemberId)(
  {
    userId: text("user_id")
      .$type<SharedEntityIds.UserId>()
      .notNull()
      .references(() => SharedTables.user.id, { onDelete: "cascade" }),
    role: text("role").$type<MemberRole>().notNull(),
  },
  (t) => [
    unique("iam_member_organization_id_user_id_unique").on(t.organizationId, t.userId),
    index("iam_member_user_id_idx").on(t.userId),
    index("iam_member_role_idx").on(t.role),
  ],
);
