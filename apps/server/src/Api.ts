import { HttpApi, OpenApi } from "@effect/platform";
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
import { OrganizationGroup } from "./groups/Organization.ts";

/** The whole HTTP surface: every group under `/v1`, plus `/health`. */
export class Api extends HttpApi.make("beep")
  .add(SignupGroup)
  .add(TokensGroup)
  .add(OrganizationGroup)
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
  .annotate(OpenApi.Description, "Multi-tenant documents API; every request runs inside its organization's tenant") {}
