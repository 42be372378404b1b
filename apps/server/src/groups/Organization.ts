import { IamEntityIds, IamTables } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint";
import * as HttpApiGroup from "@effect/platform/HttpApiGroup";
import * as HttpApiSchema from "@effect/platform/HttpApiSchema";
import * as OpenApi from "@effect/platform/OpenApi";
import { Schema } from "effect";
import { Conflict, Forbidden } from "../ApiErrors.ts";
import { Authentication } from "../Authentication.ts";
import * as Pagination from "../Pagination.ts";
import { Email, strict, Text, Timestamp } from "./Fields.ts";

export const MemberRole = Schema.Literal(...IamTables.MEMBER_ROLES);

export const Organization = Schema.Struct({
  id: SharedEntityIds.OrganizationId.schema,
  name: Schema.String,
  createdAt: Timestamp,
}).annotations({ identifier: "Organization" });
export type Organization = typeof Organization.Type;

export const CreateOrganization = Schema.Struct({ name: Text("name", 200) }).annotations({
  identifier: "CreateOrganization",
  ...strict,
});

export const Me = Schema.Struct({
  user: Schema.Struct({
    id: SharedEntityIds.UserId.schema,
    email: Schema.String,
    emailVerified: Schema.Boolean,
    name: Schema.String,
  }),
  organizations: Schema.Array(
    Schema.Struct({
      id: SharedEntityIds.OrganizationId.schema,
      name: Schema.String,
      role: MemberRole,
      memberId: IamEntityIds.MemberId.schema,
    }),
  ),
}).annotations({ identifier: "Me" });
export type Me = typeof Me.Type;

export const Member = Schema.Struct({
  id: IamEntityIds.MemberId.schema,
  userId: SharedEntityIds.UserId.schema,
  email: Schema.String,
  name: Schema.String,
  role: MemberRole,
  createdAt: Timestamp,
}).annotations({ identifier: "Member" });
export type Member = typeof Member.Type;

export const UpdateMember = Schema.Struct({ role: MemberRole }).annotations({ identifier: "UpdateMember", ...strict });

export const CreateInvitation = Schema.Struct({ email: Email, role: MemberRole }).annotations({
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

const MemberPath = Schema.Struct({ id: IamEntityIds.MemberId.schema });
const InvitationPath = Schema.Struct({ id: IamEntityIds.InvitationId.schema });
const NoContent = HttpApiSchema.NoContent;

/** The caller's own account: who they are and where they belong. No organization needs to be named. */
export class AccountGroup extends HttpApiGroup.make("account")
  .add(
    HttpApiEndpoint.get("me", "/me")
      .addSuccess(Me)
      .annotate(OpenApi.Summary, "The caller and their organizations, with their role in each"),
  )
  .add(
    HttpApiEndpoint.post("createOrganization", "/organizations")
      .setPayload(CreateOrganization)
      .addSuccess(Organization, { status: 201 })
      .addError(Forbidden)
      .annotate(OpenApi.Summary, "Creates an organization with the caller as its owner"),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Account")
  .annotate(OpenApi.Description, "The signed-in user: their profile, organizations and new organizations") {}

export class OrganizationGroup extends HttpApiGroup.make("organization")
  .add(
    HttpApiEndpoint.get("get", "/organization")
      .addSuccess(Organization)
      .annotate(OpenApi.Summary, "The organization the request acts in"),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Organization")
  .annotate(OpenApi.Description, "The organization the request acts in") {}

export class MembersGroup extends HttpApiGroup.make("members")
  .add(
    HttpApiEndpoint.get("list", "/members")
      .setUrlParams(Pagination.params(IamEntityIds.MemberId.schema))
      .addSuccess(Pagination.page(Member))
      .annotate(OpenApi.Summary, "The organization's members and their roles"),
  )
  .add(
    HttpApiEndpoint.patch("update", "/members/:id")
      .setPath(MemberPath)
      .setPayload(UpdateMember)
      .addSuccess(Member)
      .addError(Forbidden)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Changes a member's role (admins: members and admins; owners: everyone)"),
  )
  .add(
    HttpApiEndpoint.del("remove", "/members/:id")
      .setPath(MemberPath)
      .addSuccess(NoContent)
      .addError(Forbidden)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Removes a member (the last owner stays)"),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Members")
  .annotate(OpenApi.Description, "Who belongs to the organization, with which role") {}

export class InvitationsGroup extends HttpApiGroup.make("invitations")
  .add(
    HttpApiEndpoint.post("create", "/invitations")
      .setPayload(CreateInvitation)
      .addSuccess(Invitation, { status: 201 })
      .addError(Forbidden)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Invites an email address with a role (admins and owners; owner invitations: owners)"),
  )
  .add(
    HttpApiEndpoint.get("list", "/invitations")
      .setUrlParams(Pagination.params(IamEntityIds.InvitationId.schema))
      .addSuccess(Pagination.page(Invitation))
      .addError(Forbidden)
      .annotate(OpenApi.Summary, "The organization's invitations (admins and owners)"),
  )
  .add(
    HttpApiEndpoint.del("revoke", "/invitations/:id")
      .setPath(InvitationPath)
      .addSuccess(NoContent)
      .addError(Forbidden)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Revokes a pending invitation (admins and owners)"),
  )
  .add(
    HttpApiEndpoint.post("accept", "/invitations/:id/accept")
      .setPath(InvitationPath)
      .addSuccess(Member, { status: 201 })
      .addError(Forbidden)
      .addError(Conflict)
      .annotate(
        OpenApi.Summary,
        "Accepts an invitation: only its invitee (a verified email), once, before it expires; names its organization in X-Organization-Id",
      ),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Invitations")
  .annotate(OpenApi.Description, "Bringing people into the organization with a role") {}
