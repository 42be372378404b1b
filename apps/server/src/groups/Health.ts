import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint";
import * as HttpApiGroup from "@effect/platform/HttpApiGroup";
import * as OpenApi from "@effect/platform/OpenApi";
import { Schema } from "effect";
import { ServiceUnavailable } from "../ApiErrors.ts";

export const HealthStatus = Schema.Struct({
  status: Schema.Literal("ok"),
  database: Schema.Literal("ok"),
}).annotations({ identifier: "HealthStatus" });
export type HealthStatus = typeof HealthStatus.Type;

export class HealthGroup extends HttpApiGroup.make("health")
  .add(
    HttpApiEndpoint.get("health", "/health")
      .addSuccess(HealthStatus)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Check the service and its database"),
  )
  .annotate(OpenApi.Title, "Health")
  .annotate(OpenApi.Description, "Liveness and database reachability; no token needed") {}
