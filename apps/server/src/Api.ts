import * as HttpApi from "@effect/platform/HttpApi";
import * as OpenApi from "@effect/platform/OpenApi";
import * as ApiDocument from "./ApiDocument.ts";
import {
  BadRequest,
  Forbidden,
  NotFound,
  PayloadTooLarge,
  ServiceUnavailable,
  UnsupportedMediaType,
} from "./ApiErrors.ts";
import { ApiKeysGroup } from "./groups/ApiKeys.ts";
import { AuditEventsGroup } from "./groups/AuditEvents.ts";
import { SignupGroup, TokensGroup } from "./groups/Auth.ts";
import { DiscussionsGroup } from "./groups/Discussions.ts";
import { DocumentsGroup } from "./groups/Documents.ts";
import { HealthGroup } from "./groups/Health.ts";
import { AccountGroup, InvitationsGroup, MembersGroup, OrganizationGroup } from "./groups/Organization.ts";

/** The whole HTTP surface: every group under `/v1`, plus `/health`. */
export class Api extends HttpApi.make("beep")
  .add(SignupGroup)
  .add(TokensGroup)
  .add(AccountGroup)
  .add(OrganizationGroup)
  .add(MembersGroup)
  .add(InvitationsGroup)
  .add(DocumentsGroup)
  .add(DiscussionsGroup)
  .add(AuditEventsGroup)
  .add(ApiKeysGroup)
  .prefix("/v1")
  .add(HealthGroup)
  .addError(NotFound)
  .addError(Forbidden)
  .addError(BadRequest)
  .addError(ServiceUnavailable)
  .addError(PayloadTooLarge)
  .addError(UnsupportedMediaType)
  .annotate(OpenApi.Title, "beep")
  .annotate(OpenApi.Description, "Multi-tenant documents API; every request runs inside its organization's tenant")
  .annotate(OpenApi.Transform, ApiDocument.tidy) {}
