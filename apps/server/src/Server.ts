import { createServer } from "node:http";
import { HttpApiBuilder, HttpApiScalar } from "@effect/platform";
import { NodeHttpServer } from "@effect/platform-node";
import { Layer } from "effect";
import { Api } from "./Api.ts";
import { AuditEventsLive } from "./handlers/AuditEvents.ts";
import { SignupLive, TokensLive } from "./handlers/Auth.ts";
import { AuthenticationLive } from "./handlers/Authentication.ts";
import { DiscussionsLive } from "./handlers/Discussions.ts";
import { DocumentsLive } from "./handlers/Documents.ts";
import { HealthLive } from "./handlers/Health.ts";
import { OrganizationLive } from "./handlers/Organization.ts";
import * as RequestBody from "./RequestBody.ts";
import * as RequestLog from "./RequestLog.ts";

export const OPENAPI_PATH = "/openapi.json";
export const DOCS_PATH = "/docs";

/** Every group's handlers; needs `Tokens` and `Tenancy`. */
export const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide([
    HealthLive,
    SignupLive,
    TokensLive,
    OrganizationLive,
    DocumentsLive,
    DiscussionsLive,
    AuditEventsLive,
  ]),
  Layer.provide(AuthenticationLive),
);

/** The app with its docs, request logging and body limit, served by whatever `HttpServer` is provided. */
export const HttpLive = HttpApiBuilder.serve((app) => RequestLog.middleware(RequestBody.middleware(app))).pipe(
  Layer.provide(HttpApiScalar.layer({ path: DOCS_PATH })),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: OPENAPI_PATH })),
  Layer.provide(ApiLive),
);

export interface ListenOptions {
  readonly port: number;
  readonly host?: string;
}

/** The HTTP server on Node's `http` (Bun runs it too). Closing the layer stops accepting and lets requests finish. */
export const layer = (options: ListenOptions) =>
  HttpLive.pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.port, host: options.host ?? "0.0.0.0" })),
  );
