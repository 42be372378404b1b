import type { SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables, TenantContext, TenantRole } from "@beep/shared-tables";
import { text, timestamp, unique } from "drizzle-orm/pg-core";
import * as IamEntityIds from "../IamEntityIds.ts";
import type { MemberRole } from "./member.ts";

export const INVITATION_STATUSES = ["pending", "accepted", "revoked", "expired"] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

const ROLE = TenantContext.CURRENT_ROLE_SQL;

/**
 * An invitation to join with a role. Admins manage invitations (owners also invitations to be an owner); the person
 * accepting one acts as its invitee (`TenantRole.invitee(id)`) and sees and changes that invitation only.
 */
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
  (t) => [
    ...OrgTable.roles(t, [
      // Admins see every one (so refusing them an owner's is a 403, not a 404), and change those below owner.
      { for: "select", to: "admin" },
      { for: "all", to: "admin", where: `"role" <> 'owner' OR ${ROLE} = 'owner'` },
      { for: "select", label: "invitee", where: `${ROLE} = '${TenantRole.INVITEE_PREFIX}' || "id"` },
      { for: "update", label: "invitee", where: `${ROLE} = '${TenantRole.INVITEE_PREFIX}' || "id"` },
    ]),
    unique("iam_invitation_organization_id_email_unique").on(t.organizationId, t.email),
  ],
);
