import { IamTables } from "@beep/iam-tables";
import { IamEntityIds, SharedEntityIds } from "@beep/shared-domain";
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform";
import { Schema } from "effect";
import { Conflict } from "../ApiErrors.ts";
import { Authentication } from "../Authentication.ts";
import * as Pagination from "../Pagination.ts";
import { Email, strict, Timestamp } from "./Fields.ts";

export const MemberRole = Schema.Literal(...IamTables.MEMBER_ROLES);

export const Organization = Schema.Struct({
  id: SharedEntityIds.OrganizationId.schema,
  name: Schema.String,
  createdAt: Timestamp,
}).annotations({ identifier: "Organization" });
export type Organization = typeof Organization.Type;

export const Member = Schema.Struct({
  id: IamEntityIds.MemberId.schema,
  userId: SharedEntityIds.UserId.schema,
  email: Schema.String,
  name: Schema.String,
  role: MemberRole,
  createdAt: Timestamp,
}).annotations({ identifier: "Member" });
export type Member = typeof Member.Type;

export const CreateInvitation = Schema.Struct({ email: Email, role: Schema.Literal("admin", "member") }).annotations({
  identifier: "CreateInvitation",
  ...strict,
});
export type CreateInvitation = typeof CreateInvitation.Type;

export const Invitation = Schema.Struct({
  id: IamEntityIds.InvitationId.schema,
  email: Schema.String,
  role: MemberRole,
  status: Schema.Literal(...IamTables.INVITATION_STATUSES),
  expiresAt: Timestamp,
  createdAt: Timestamp,
}).annotations({ identifier: "Invitation" });
export type Invitation = typeof Invitation.Type;

export class OrganizationGroup extends HttpApiGroup.make("organization")
  .add(
    HttpApiEndpoint.get("get", "/organization")
      .addSuccess(Organization)
      .annotate(OpenApi.Summary, "Read the token's organization"),
  )
  .add(
    HttpApiEndpoint.get("members", "/members")
      .setUrlParams(Pagination.params(IamEntityIds.MemberId.schema))
      .addSuccess(Pagination.page(Member))
      .annotate(OpenApi.Summary, "List members"),
  )
  .add(
    HttpApiEndpoint.post("invite", "/invitations")
      .setPayload(CreateInvitation)
      .addSuccess(Invitation, { status: 201 })
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Invite someone by email"),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Organization")
  .annotate(OpenApi.Description, "The token's organization, its members and invitations") {}
