import * as HttpApi from "@effect/platform/HttpApi";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import * as HttpServer from "@effect/platform/HttpServer";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as OpenApi from "@effect/platform/OpenApi";
import { Effect, Option } from "effect";

const SCHEMAS = "#/components/schemas/";

/** Replaces every `$ref` to `from` in `node` with what `to` returns. */
const replaceRefs = (node: unknown, from: string, to: () => unknown): unknown => {
  if (Array.isArray(node)) return node.map((item) => replaceRefs(item, from, to));
  if (typeof node !== "object" || node === null) return node;
  if ((node as { $ref?: unknown }).$ref === `${SCHEMAS}${from}`) return to();
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, replaceRefs(value, from, to)]));
};

/**
 * `OpenApi.Transform` for `Api`: the 400 body (`HttpApiDecodeError`) is `@effect/platform`'s own schema, whose
 * parts it names `Issue` and `PropertyKey` (Effect's symbol-or-string key). Here an issue is `DecodeIssue` and a
 * path key is a string or an integer: the only keys a request's path, query or JSON body can have.
 */
export const tidy = (spec: Record<string, any>): Record<string, any> => {
  const schemas: Record<string, unknown> = { ...spec.components?.schemas };
  if (!("Issue" in schemas)) return spec;
  const { Issue, PropertyKey: _symbolOrString, ...others } = schemas;
  const pathKey = () => ({ anyOf: [{ type: "string" }, { type: "integer" }] });
  const tidied = replaceRefs(
    { ...spec, components: { ...spec.components, schemas: { ...others, DecodeIssue: Issue } } },
    "PropertyKey",
    pathKey,
  );
  return replaceRefs(tidied, "Issue", () => ({ $ref: `${SCHEMAS}DecodeIssue` })) as Record<string, any>;
};

/** The URL a client on this machine reaches `address` at: a wildcard host is `localhost`. */
export const listeningUrl = (address: HttpServer.Address): string => {
  if (address._tag === "UnixAddress") return "http://localhost";
  const host = ["0.0.0.0", "::", ""].includes(address.hostname) ? "localhost" : address.hostname;
  return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
};

/** `api`'s document with `servers`: `fromApi` caches one document per API, so it is copied, never changed. */
export const document = (api: HttpApi.HttpApi.Any, servers: ReadonlyArray<OpenApi.OpenAPISpecServer>) => ({
  ...OpenApi.fromApi(api as HttpApi.HttpApi<string, never, never, never>),
  servers: [...servers],
});

/**
 * Serves the document at `path`, its one server `publicUrl` (`PUBLIC_URL`) or else the URL the server listens
 * on (known once it is bound, so port 0 works).
 */
export const layer = (options: { readonly path: `/${string}`; readonly publicUrl: Option.Option<string> }) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function* () {
      const { api } = yield* HttpApi.Api;
      const server = yield* HttpServer.HttpServer;
      const url = Option.getOrElse(options.publicUrl, () => listeningUrl(server.address));
      const response = yield* HttpServerResponse.json(document(api, [{ url }])).pipe(Effect.orDie);
      yield* router.get(options.path, Effect.succeed(response));
    }),
  );
