export { apiKey } from "./apiKey.ts";
export { INVITATION_STATUSES, type InvitationStatus, invitation } from "./invitation.ts";
export { MEMBER_ROLES, type MemberRole, member } from "./member.ts";
export { organizationRole } from "./organizationRole.ts";
export { ssoProvider } from "./ssoProvider.ts";
export { teamMember } from "./teamMember.ts";
