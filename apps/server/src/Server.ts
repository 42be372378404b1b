import { createServer } from "node:http";
import { Db, TenantDb } from "@beep/shared-server";
import type * as HttpApi from "@effect/platform/HttpApi";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import * as HttpApiScalar from "@effect/platform/HttpApiScalar";
import * as HttpApp from "@effect/platform/HttpApp";
import * as HttpMiddleware from "@effect/platform/HttpMiddleware";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as OpenApi from "@effect/platform/OpenApi";
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer";
import { Duration, Effect, Layer, Option } from "effect";
import { Api } from "./Api.ts";
import * as ApiDocument from "./ApiDocument.ts";
import * as Cors from "./Cors.ts";
import * as DecodeErrors from "./DecodeErrors.ts";
import { DevApi } from "./DevApi.ts";
import * as HealthCheck from "./HealthCheck.ts";
import type { HttpSettings } from "./HttpConfig.ts";
import { AccountLive } from "./handlers/Account.ts";
import { ApiKeysLive } from "./handlers/ApiKeys.ts";
import { AuditEventsLive } from "./handlers/AuditEvents.ts";
import { SignupLive, TokensLive } from "./handlers/Auth.ts";
import { AuthenticationLive } from "./handlers/Authentication.ts";
import { DevSignInLive } from "./handlers/DevSignIn.ts";
import { DiscussionsLive } from "./handlers/Discussions.ts";
import { DocumentsLive } from "./handlers/Documents.ts";
import { HealthLive } from "./handlers/Health.ts";
import { InvitationsLive } from "./handlers/Invitations.ts";
import { MembersLive } from "./handlers/Members.ts";
import { OrganizationLive } from "./handlers/Organization.ts";
import * as QueryParams from "./QueryParams.ts";
import * as RequestBody from "./RequestBody.ts";
import * as RequestLog from "./RequestLog.ts";

export const OPENAPI_PATH = "/openapi.json";
export const DOCS_PATH = "/docs";

/** Every group's handlers; needs `Tokens`, `TenantDb`, `HealthDb` and `Oidc`. */
const GroupsLive = Layer.provide(
  Layer.mergeAll(
    HealthLive,
    SignupLive,
    TokensLive,
    AccountLive,
    ApiKeysLive,
    OrganizationLive,
    MembersLive,
    InvitationsLive,
    DocumentsLive,
    DiscussionsLive,
    AuditEventsLive,
  ),
  AuthenticationLive,
);

/** `Api`, what `bun run start` serves. */
export const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide(GroupsLive));

/** `DevApi`: `Api` and the dev sign-in, for `bun run dev` without an identity provider; needs `DevIssuer` too. */
export const DevApiLive = HttpApiBuilder.api(DevApi).pipe(Layer.provide([GroupsLive, DevSignInLive]));

/** Whether the server is shutting down: responses then close their connection instead of keeping it alive. */
interface Drain {
  draining: boolean;
}

// A pre-response handler: the response is written inside the app, before a middleware would see it.
const closeWhenDraining = (drain: Drain) =>
  HttpMiddleware.make((app) =>
    Effect.zipRight(
      HttpApp.appendPreResponseHandler((_request, response) =>
        Effect.succeed(drain.draining ? HttpServerResponse.setHeader(response, "connection", "close") : response),
      ),
      app,
    ),
  );

/** What each route accepts in its query string: `Api`'s operations, and the two document routes (none). */
const queryRoutes = QueryParams.routes(OpenApi.fromApi(Api), [OPENAPI_PATH, DOCS_PATH]);

/**
 * The app with its docs, request logging, CORS, body checks and query check, served by whatever `HttpServer` is
 * provided. Outermost first: the log sees every answer, CORS headers reach every refusal, and the query is
 * checked once the body is read (a refusal over an unread upload needs `RequestBody`'s connection handling).
 */
const httpLive = <R>(
  drain: Drain,
  settings: HttpSettings,
  api: Layer.Layer<HttpApi.Api, never, R>,
  traceRequests: boolean,
) => {
  const cors = Cors.middleware(settings.corsOrigins);
  const checkQuery = QueryParams.middleware(queryRoutes);
  const served = HttpApiBuilder.serve((app) =>
    RequestLog.middleware(cors(closeWhenDraining(drain)(RequestBody.middleware(checkQuery(app))))),
  ).pipe(
    Layer.provide(HttpApiScalar.layer({ path: DOCS_PATH })),
    Layer.provide(ApiDocument.layer({ path: OPENAPI_PATH, publicUrl: settings.publicUrl })),
    Layer.provide(DecodeErrors.layer),
    Layer.provide(api),
  );
  return traceRequests ? served : HttpMiddleware.withTracerDisabledWhen(served, () => true);
};

/** How long shutdown waits for in-flight requests before it destroys their connections. */
export const DRAIN_DEADLINE: Duration.DurationInput = "10 seconds";

/** What `ApiLive` needs. */
type ApiNeeds = Layer.Layer.Context<typeof ApiLive>;

export interface ListenOptions<R = ApiNeeds> extends Partial<HttpSettings> {
  readonly port: number;
  readonly host?: string;
  /** `DRAIN_DEADLINE` unless given. */
  readonly drainDeadline?: Duration.DurationInput;
  /** The API served: `ApiLive` unless given (`bun run dev` may give `DevApiLive`). */
  readonly api?: Layer.Layer<HttpApi.Api, never, R>;
  /**
   * A server span per request (method, URL, headers, status) for the `Tracer` the host provides. Off unless
   * given: apps/server exports no traces (its request log is the record), and the span costs about a tenth of a
   * list request's CPU (specs/runtime-speed/outputs/http.md).
   */
  readonly traceRequests?: boolean;
}

/**
 * The HTTP server on Node's `http` (Bun runs it too). When its scope closes it stops accepting, closes
 * idle keep-alive connections, lets in-flight requests finish (their responses close the connection) for
 * up to the drain deadline, then destroys the connections still open, and only then releases what it was
 * given (the database pool).
 */
export const layer = <R = ApiNeeds>(options: ListenOptions<R>) => {
  const server = createServer();
  const drain: Drain = { draining: false };
  const deadline = Duration.toMillis(options.drainDeadline ?? DRAIN_DEADLINE);
  // Built after the app, so released before it: draining starts before the request handler is removed.
  const startDraining = Layer.scopedDiscard(
    Effect.addFinalizer(() =>
      Effect.sync(() => {
        drain.draining = true;
        server.closeIdleConnections();
        // A request still in flight by then (a slow or never-ending upload) must not keep the process alive.
        const timer = setTimeout(() => server.closeAllConnections(), deadline).unref();
        server.once("close", () => clearTimeout(timer));
      }),
    ),
  );
  return startDraining.pipe(
    Layer.provideMerge(
      httpLive<R | ApiNeeds>(
        drain,
        { corsOrigins: options.corsOrigins ?? [], publicUrl: options.publicUrl ?? Option.none() },
        options.api ?? ApiLive,
        options.traceRequests ?? false,
      ),
    ),
    Layer.provideMerge(NodeHttpServer.layer(() => server, { port: options.port, host: options.host ?? "0.0.0.0" })),
  );
};

/**
 * The runtime pool (`beep_app`) and tenant transactions over it, signing tickets with `contextKey` (the key
 * `db:migrate` installed in that database), and `/health`'s own one-connection pool on the same URL: what every
 * handler's database work needs. Behind a transaction pooler, pass `{ poolMode: "transaction" }` (or set
 * `DATABASE_POOL_MODE=transaction`); the health pool never prepares statements either way.
 */
export const database = (
  appUrl: string,
  contextKey: string,
  settings: Partial<Db.DbSettings> = {},
  healthDeadline: Duration.Duration = HealthCheck.DEADLINE,
) =>
  Layer.merge(
    TenantDb.layerWithKey(contextKey).pipe(Layer.provideMerge(Db.layerFromUrl(appUrl, settings))),
    HealthCheck.layerFromUrl(appUrl, healthDeadline),
  );
