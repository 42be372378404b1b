import * as HttpMiddleware from "@effect/platform/HttpMiddleware";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import type * as OpenApi from "@effect/platform/OpenApi";
import { Effect } from "effect";
import { MAX_ECHO } from "./DecodeErrors.ts";

/** One operation of the document: its method, its path as a pattern, and the query parameters it takes. */
export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  /** Literal segments: when two routes match a path, the router picks the one with more. */
  readonly literals: number;
  readonly params: ReadonlySet<string>;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const route = (method: string, path: string, params: Iterable<string>): Route => {
  const segments = path.split("/");
  const pattern = segments.map((segment) => (/^\{[^}]+\}$/.test(segment) ? "[^/]+" : escapeRegExp(segment))).join("/");
  return {
    method: method.toUpperCase(),
    pattern: new RegExp(`^${pattern}/?$`),
    literals: segments.filter((segment) => !segment.startsWith("{")).length,
    params: new Set(params),
  };
};

/**
 * Every operation of `spec` with the query parameters it documents, and `extraPaths` (GET, none): the document
 * is the list of what each route accepts, so an endpoint added to `Api` is covered without more code.
 */
export const routes = (spec: OpenApi.OpenAPISpec, extraPaths: ReadonlyArray<string> = []): ReadonlyArray<Route> => {
  const all: Array<Route> = [];
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(operations as Record<string, OpenApi.OpenAPISpecOperation>)) {
      const names = operation.parameters.filter((p) => p.in === "query").map((p) => p.name);
      all.push(route(method, path, names));
    }
  }
  for (const path of extraPaths) all.push(route("get", path, []));
  return all.sort((a, b) => b.literals - a.literals);
};

const cut = (text: string) => (text.length <= MAX_ECHO ? text : `${text.slice(0, MAX_ECHO)}…`);

const unknownParameter = (name: string, route: Route) => {
  const expected = [...route.params];
  const message = `unknown query parameter ${JSON.stringify(cut(name))}; ${
    expected.length === 0 ? "this endpoint takes none" : `expected: ${expected.join(", ")}`
  }`;
  // The shape of a schema failure, so a client handles every 400 alike.
  return HttpServerResponse.unsafeJson(
    { _tag: "HttpApiDecodeError", issues: [{ _tag: "Unexpected", path: [cut(name)], message }], message },
    { status: 400 },
  );
};

/**
 * A query parameter the matched route does not document is a 400 naming it (cut to `MAX_ECHO` characters),
 * not silently ignored: a misspelt `limt=5` would otherwise return the default page. A path no route matches is
 * left to the router (404).
 */
export const middleware = (table: ReadonlyArray<Route>) =>
  HttpMiddleware.make((app) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest;
      const query = request.url.indexOf("?");
      if (query === -1) return yield* app;
      const path = request.url.slice(0, query);
      const method = request.method === "HEAD" ? "GET" : request.method;
      const matched = table.find((r) => r.method === method && r.pattern.test(path));
      if (matched === undefined) return yield* app;
      for (const name of new URLSearchParams(request.url.slice(query + 1)).keys()) {
        if (!matched.params.has(name)) return unknownParameter(name, matched);
      }
      return yield* app;
    }),
  );
