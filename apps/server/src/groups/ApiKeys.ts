import { IamEntityIds } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { TenantRole } from "@beep/shared-tables";
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint";
import * as HttpApiGroup from "@effect/platform/HttpApiGroup";
import * as HttpApiSchema from "@effect/platform/HttpApiSchema";
import * as OpenApi from "@effect/platform/OpenApi";
import { Schema } from "effect";
import { NotFound } from "../ApiErrors.ts";
import { Authentication } from "../Authentication.ts";
import * as Pagination from "../Pagination.ts";
import { strict, Text, Timestamp } from "./Fields.ts";

export const KeyRole = Schema.Literal(...TenantRole.ROLES);

export const CreateApiKey = Schema.Struct({ name: Text("name", 200), role: KeyRole }).annotations({
  identifier: "CreateApiKey",
  ...strict,
});
export type CreateApiKey = typeof CreateApiKey.Type;

export const ApiKey = Schema.Struct({
  id: IamEntityIds.ApiKeyId.schema,
  name: Schema.String,
  role: KeyRole,
  prefix: Schema.String.annotations({ description: "The secret's first characters, to tell keys apart" }),
  createdBy: Schema.NullOr(SharedEntityIds.UserId.schema),
  createdAt: Timestamp,
  lastUsedAt: Schema.NullOr(Timestamp),
  expiresAt: Schema.NullOr(Timestamp),
}).annotations({ identifier: "ApiKey" });
export type ApiKey = typeof ApiKey.Type;

export const CreatedApiKey = Schema.Struct({
  id: IamEntityIds.ApiKeyId.schema,
  key: Schema.String.annotations({ description: "The key itself: shown this once, never again" }),
  name: Schema.String,
  role: KeyRole,
  prefix: Schema.String,
  createdAt: Timestamp,
}).annotations({ identifier: "CreatedApiKey" });
export type CreatedApiKey = typeof CreatedApiKey.Type;

export const ApiKeyPath = Schema.Struct({ id: IamEntityIds.ApiKeyId.schema });

export class ApiKeysGroup extends HttpApiGroup.make("apiKeys")
  .add(
    HttpApiEndpoint.post("create", "/api-keys")
      .setPayload(CreateApiKey)
      .addSuccess(CreatedApiKey, { status: 201 })
      .annotate(OpenApi.Summary, "Create an API key (admins and owners, up to their own role); the key is shown once"),
  )
  .add(
    HttpApiEndpoint.get("list", "/api-keys")
      .setUrlParams(Pagination.params(IamEntityIds.ApiKeyId.schema))
      .addSuccess(Pagination.page(ApiKey))
      .annotate(OpenApi.Summary, "List the organization's API keys (admins and owners); never the keys themselves"),
  )
  .add(
    HttpApiEndpoint.del("revoke", "/api-keys/:id")
      .setPath(ApiKeyPath)
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Revoke an API key (admins and owners): it is refused from then on"),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "API keys")
  .annotate(
    OpenApi.Description,
    "Keys for programs: `Authorization: Bearer beep_key.<organization id>.<key id>.<secret>` acts in the key's organization with the key's role. Only people manage keys.",
  ) {}
