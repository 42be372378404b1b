import { IamEntityIds, type SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables } from "@beep/shared-tables";
import { text, timestamp, unique } from "drizzle-orm/pg-core";
import type { MemberRole } from "./member.ts";

export const INVITATION_STATUSES = ["pending", "accepted", "revoked", "expired"] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const invitation = OrgTable.make(IamEntityIds.InvitationId)(
  {
    email: text("email").notNull(),
    role: text("role").$type<MemberRole>().notNull(),
    status: text("status").$type<InvitationStatus>().notNull().default("pending"),
    invitedBy: text("invited_by")
      .$type<SharedEntityIds.UserId>()
      .references(() => SharedTables.user.id, { onDelete: "set null" }),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [unique("iam_invitation_organization_id_email_unique").on(t.organizationId, t.email)],
);
