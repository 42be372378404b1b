import { createServer } from "node:http";
import { DocumentsTables } from "@beep/documents-tables";
import {
  Api,
  ApiErrors,
  Authentication,
  Pagination,
  RequestBody,
  RequestLog,
  RequestTenant,
  Server,
  Token,
} from "@beep/server";
import { TenantTx } from "@beep/shared-server";
import * as HttpApi from "@effect/platform/HttpApi";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint";
import * as HttpApiGroup from "@effect/platform/HttpApiGroup";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer";
import { and, asc, eq, gt } from "drizzle-orm";
import { Effect, Layer, Redacted } from "effect";

/**
 * - `shipped`: apps/server as it ships (`Server.layer`, every route), as `beep_app`: RLS alone.
 * - `rls`: the documents list route alone, its handler as apps/server's, as `beep_app`: RLS alone.
 * - `filtered`: the same route and handler plus `WHERE organization_id = <the token's>`, as the BYPASSRLS role.
 */
export type Variant = "shipped" | "rls" | "filtered";
export const VARIANTS: ReadonlyArray<Variant> = ["shipped", "rls", "filtered"];

export interface Options {
  readonly variant: Variant;
  readonly port: number;
  /** The login of the pool: `beep_app` for `shipped` and `rls`, the bypass role for `filtered`. */
  readonly databaseUrl: string;
  /** The context key installed in that database: the server signs each unit of work's ticket with it. */
  readonly contextKey: string;
  readonly authSecret: string;
  readonly poolMax: number;
}

type ApiGroups = typeof Api.Api extends HttpApi.HttpApi<string, infer Groups, infer _E, infer _R> ? Groups : never;
type DocumentsEndpoints = HttpApiGroup.HttpApiGroup.EndpointsWithName<ApiGroups, "documents">;
type ListEndpoint = HttpApiEndpoint.HttpApiEndpoint.WithName<DocumentsEndpoints, "list">;

// The list endpoint exactly as apps/server declares it: URL params, page schema, Authentication.
const listEndpoint = Api.Api.groups.documents?.endpoints.list as ListEndpoint;

/** A one-route API: `GET /v1/documents` (the endpoint carries Api's `/v1` prefix), with Api's common errors. */
export class ListApi extends HttpApi.make("beep-bench")
  .add(HttpApiGroup.make("documents").add(listEndpoint).middleware(Authentication.Authentication))
  .addError(ApiErrors.NotFound)
  .addError(ApiErrors.Forbidden)
  .addError(ApiErrors.BadRequest)
  .addError(ApiErrors.ServiceUnavailable)
  .addError(ApiErrors.PayloadTooLarge) {}

const { document } = DocumentsTables;

/** apps/server's list handler (`src/handlers/Documents.ts`), with the organization filter as an option. */
const listLive = (explicitFilter: boolean) => {
  // Both variants name the placeholder and read the organization, so `rls/filtered` compares one handler.
  const list = Pagination.listing(["organizationId"], (db, after, placeholders) =>
    db
      .select()
      .from(document)
      .where(
        and(
          explicitFilter ? eq(document.organizationId, placeholders.organizationId) : undefined,
          after && gt(document.id, after),
        ),
      )
      .orderBy(asc(document.id))
      .limit(Pagination.LIMIT),
  );
  return HttpApiBuilder.group(ListApi, "documents", (handlers) =>
    handlers.handle("list", ({ urlParams }) =>
      RequestTenant.run(
        Effect.flatMap(TenantTx.currentTenant, (organizationId) => list.last(urlParams, { organizationId })),
      ),
    ),
  );
};

const BEARER = /^Bearer [A-Za-z0-9._~+/=-]+$/;

/** The bearer check of apps/server (`src/handlers/Authentication.ts`): verify, annotate the log line, provide. */
const authenticationLive = Layer.effect(
  Authentication.Authentication,
  Effect.map(Token.Tokens, (tokens) => ({
    bearer: (token: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest;
        const header = request.headers.authorization;
        if (header === undefined || header === "") {
          return yield* new ApiErrors.Unauthorized({ message: "missing bearer token" });
        }
        if (!BEARER.test(header)) {
          return yield* new ApiErrors.Unauthorized({ message: "authorization header must be 'Bearer <token>'" });
        }
        const session = yield* tokens
          .verify(Redacted.value(token))
          .pipe(Effect.mapError((error) => new ApiErrors.Unauthorized({ message: error.reason })));
        yield* RequestLog.annotateOrganization(session.organizationId);
        return session;
      }),
  })),
);

const listServer = (options: Options) =>
  HttpApiBuilder.serve((app) => RequestLog.middleware(RequestBody.middleware(app))).pipe(
    Layer.provide(
      HttpApiBuilder.api(ListApi).pipe(
        Layer.provide(listLive(options.variant === "filtered")),
        Layer.provide(authenticationLive),
      ),
    ),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.port, host: "127.0.0.1" })),
  );

/** The whole server of a variant, with its pool and token keys; `Layer.launch` it to serve. */
export const layer = (options: Options) => {
  const http =
    options.variant === "shipped" ? Server.layer({ port: options.port, host: "127.0.0.1" }) : listServer(options);
  return http.pipe(
    Layer.provide(Server.database(options.databaseUrl, options.contextKey, { poolMax: options.poolMax })),
    Layer.provide(Token.layer(Redacted.make(options.authSecret))),
  );
};
