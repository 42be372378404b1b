import type { SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables, TenantRole } from "@beep/shared-tables";
import { index, text, unique } from "drizzle-orm/pg-core";
import * as IamEntityIds from "../IamEntityIds.ts";
import { member } from "./member.ts";

/** A member's place in a team; both references stay inside the organization. */
export const teamMember = OrgTable.make(IamEntityIds.TeamMemberId)(
  {
    teamId: text("team_id").$type<SharedEntityIds.TeamId>().notNull(),
    memberId: text("member_id").$type<IamEntityIds.MemberId>().notNull(),
  },
  (t) => [
    ...OrgTable.roles(t, TenantRole.managed),
    OrgTable.reference(t, { columns: [t.teamId], foreignColumns: [SharedTables.team.id] }).onDelete("cascade"),
    OrgTable.reference(t, { columns: [t.memberId], foreignColumns: [member.id] }).onDelete("cascade"),
    unique("iam_team_member_organization_id_team_id_member_id_unique").on(t.organizationId, t.teamId, t.memberId),
    index("iam_team_member_organization_id_member_id_idx").on(t.organizationId, t.memberId),
  ],
);
