import * as EntityId from "./EntityId.ts";

export const OrganizationId = EntityId.make("shared_organization");
export type OrganizationId = EntityId.Type<typeof OrganizationId>;
export const UserId = EntityId.make("shared_user");
export type UserId = EntityId.Type<typeof UserId>;
export const TeamId = EntityId.make("shared_team");
export type TeamId = EntityId.Type<typeof TeamId>;
export const FileId = EntityId.make("shared_file");
export type FileId = EntityId.Type<typeof FileId>;
export const AuditEventId = EntityId.make("shared_audit_event");
export type AuditEventId = EntityId.Type<typeof AuditEventId>;
