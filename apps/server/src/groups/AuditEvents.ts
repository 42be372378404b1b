import { SharedEntityIds } from "@beep/shared-domain";
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint";
import * as HttpApiGroup from "@effect/platform/HttpApiGroup";
import * as OpenApi from "@effect/platform/OpenApi";
import { Schema } from "effect";
import { Authentication } from "../Authentication.ts";
import * as Pagination from "../Pagination.ts";
import { Timestamp } from "./Fields.ts";

export const AuditEvent = Schema.Struct({
  id: SharedEntityIds.AuditEventId.schema,
  organizationId: SharedEntityIds.OrganizationId.schema,
  actorId: Schema.NullOr(SharedEntityIds.UserId.schema),
  action: Schema.String,
  entityType: Schema.NullOr(Schema.String),
  entityId: Schema.NullOr(Schema.String),
  occurredAt: Timestamp,
}).annotations({ identifier: "AuditEvent" });
export type AuditEvent = typeof AuditEvent.Type;

export class AuditEventsGroup extends HttpApiGroup.make("auditEvents")
  .add(
    HttpApiEndpoint.get("list", "/audit-events")
      .setUrlParams(Pagination.params(SharedEntityIds.AuditEventId.schema))
      .addSuccess(Pagination.page(AuditEvent))
      .annotate(OpenApi.Summary, "List audit events")
      .annotate(OpenApi.Description, "The organization's audit trail: one event per change, oldest first"),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Audit events")
  .annotate(OpenApi.Description, "What changed in the organization, by whom and when; read-only") {}
