import * as HttpApp from "@effect/platform/HttpApp";
import * as HttpMiddleware from "@effect/platform/HttpMiddleware";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import { Effect } from "effect";
import { REQUEST_ID_HEADER } from "./RequestLog.ts";

export const ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE";
export const ALLOWED_HEADERS = `authorization, content-type, ${REQUEST_ID_HEADER}`;
export const MAX_AGE_SECONDS = 600;

const isPreflight = (request: HttpServerRequest.HttpServerRequest) =>
  request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;

/**
 * CORS for exactly `origins` (`CORS_ORIGINS`). None: the app unchanged, no CORS header on any response. Else a
 * request whose `Origin` is listed gets `access-control-allow-origin: <that origin>` on every answer, refusals
 * and failures included, and its preflight is answered 204 here; any other origin gets no CORS header (only
 * `vary: Origin`) and its preflight goes to the router like any `OPTIONS` (404). No credentials: tokens travel
 * in `Authorization`, never in cookies.
 */
export const middleware = (
  origins: ReadonlyArray<string>,
): (<E, R>(app: HttpApp.Default<E, R>) => HttpApp.Default<E, R>) => {
  if (origins.length === 0) return (app) => app;
  const allowed = new Set(origins);
  return HttpMiddleware.make((app) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest;
      const origin = request.headers.origin;
      const listed = origin !== undefined && allowed.has(origin);
      if (listed && isPreflight(request)) {
        return HttpServerResponse.empty({
          status: 204,
          headers: {
            "access-control-allow-origin": origin,
            "access-control-allow-methods": ALLOWED_METHODS,
            "access-control-allow-headers": ALLOWED_HEADERS,
            "access-control-max-age": String(MAX_AGE_SECONDS),
            vary: "Origin",
          },
        });
      }
      // Whatever the origin, the answer depends on it: caches must keep one per origin.
      const decorate = (response: HttpServerResponse.HttpServerResponse) =>
        listed
          ? HttpServerResponse.setHeaders(response, {
              "access-control-allow-origin": origin,
              "access-control-expose-headers": REQUEST_ID_HEADER,
              vary: "Origin",
            })
          : HttpServerResponse.setHeader(response, "vary", "Origin");
      // The router's answers (failures included) are sent from inside it, through the pre-response handlers;
      // a refusal made by an inner middleware (`RequestBody`, `QueryParams`) comes back here instead.
      yield* HttpApp.appendPreResponseHandler((_request, response) => Effect.succeed(decorate(response)));
      return decorate(yield* app);
    }),
  );
};
