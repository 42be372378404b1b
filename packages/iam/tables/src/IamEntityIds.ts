import { EntityId } from "@beep/shared-domain";

export const MemberId = EntityId.make("iam_member");
export type MemberId = EntityId.Type<typeof MemberId>;
export const InvitationId = EntityId.make("iam_invitation");
export type InvitationId = EntityId.Type<typeof InvitationId>;
export const ApiKeyId = EntityId.make("iam_api_key");
export type ApiKeyId = EntityId.Type<typeof ApiKeyId>;
export const OrganizationRoleId = EntityId.make("iam_organization_role");
export type OrganizationRoleId = EntityId.Type<typeof OrganizationRoleId>;
export const TeamMemberId = EntityId.make("iam_team_member");
export type TeamMemberId = EntityId.Type<typeof TeamMemberId>;
export const SsoProviderId = EntityId.make("iam_sso_provider");
export type SsoProviderId = EntityId.Type<typeof SsoProviderId>;
