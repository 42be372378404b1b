import type { IncomingMessage } from "node:http";
import * as Headers from "@effect/platform/Headers";
import * as HttpMiddleware from "@effect/platform/HttpMiddleware";
import * as HttpServerError from "@effect/platform/HttpServerError";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest";
import { Effect } from "effect";
import type { PayloadTooLarge, UnsupportedMediaType } from "./ApiErrors.ts";

/** Request bodies larger than this are refused with 413 before anything is parsed or written. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** JSON nested deeper than this is refused with 400 before it is parsed. */
export const MAX_JSON_DEPTH = 64;

/** How long a refused upload's connection stays half-closed, so the client can read the answer. */
const LINGER_MS = 500;

type Refusal =
  | { readonly status: 400; readonly body: { _tag: "HttpApiDecodeError"; issues: []; message: string } }
  | { readonly status: 413; readonly body: typeof PayloadTooLarge.Encoded }
  | { readonly status: 415; readonly body: typeof UnsupportedMediaType.Encoded };

// Same shape as a schema failure, so a client handles every 400 alike.
const badRequest = (message: string): Refusal => ({
  status: 400,
  body: { _tag: "HttpApiDecodeError", issues: [], message },
});

const tooLarge: Refusal = {
  status: 413,
  body: { _tag: "PayloadTooLarge", message: `request body exceeds ${MAX_BODY_BYTES} bytes` },
};

const notJsonType: Refusal = {
  status: 415,
  body: { _tag: "UnsupportedMediaType", message: "request body must be JSON (content-type: application/json)" },
};

const hasBody = (headers: Headers.Headers) =>
  headers["transfer-encoding"] !== undefined || Number(headers["content-length"] ?? "0") > 0;

// `application/json` and `+json` types, with any parameters (charset). No content-type at all is taken as JSON.
const isJsonType = (contentType: string | undefined) => {
  if (contentType === undefined) return true;
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
};

/** Refusals decided from the request line and headers alone, before any of the body is read. */
const refusalFromHeaders = (request: HttpServerRequest.HttpServerRequest): Refusal | undefined => {
  // A decoded NUL could reach a text column, which PostgreSQL refuses: a 500 instead of a 400.
  if (request.url.includes("%00")) return badRequest("request URL must not contain NUL characters (%00)");
  if (!hasBody(request.headers)) return undefined;
  const declared = Number(request.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return tooLarge;
  return isJsonType(request.headers["content-type"]) ? undefined : notJsonType;
};

const NUL_IN_BODY = "request body must not contain NUL characters (\\u0000)";

/**
 * Why a JSON text is refused before `JSON.parse` sees it: NUL in a string (PostgreSQL refuses it in text) or
 * nesting deeper than `MAX_JSON_DEPTH`. One iterative pass, so no depth can overflow the stack.
 */
const jsonProblem = (text: string): string | undefined => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return NUL_IN_BODY;
    if (inString) {
      if (code === 0x5c) {
        if (text.startsWith("u0000", i + 1)) return NUL_IN_BODY;
        i += 1; // the escaped character; the hex digits of \uXXXX are ordinary characters
      } else if (code === 0x22) {
        inString = false;
      }
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) return `request body nests deeper than ${MAX_JSON_DEPTH} levels`;
    } else if (code === 0x7d || code === 0x5d) {
      depth -= 1;
    }
  }
  return undefined;
};

const respond = (refusal: Refusal) => HttpServerResponse.unsafeJson(refusal.body, { status: refusal.status });

/**
 * Answers a request whose body is not (fully) read, and closes its connection without reading the rest.
 * Node and Bun destroy a `connection: close` socket as soon as the response is flushed; with upload bytes
 * still unread that is a TCP reset, which can discard the response before the client reads it. So the
 * socket is half-closed after the response and destroyed after a short linger instead.
 */
const refuseUnread = (request: HttpServerRequest.HttpServerRequest, refusal: Refusal) =>
  Effect.sync(() => {
    const incoming = NodeHttpServerRequest.toIncomingMessage(request);
    incoming.pause();
    // Marks the body as consumed: otherwise it is read and discarded once the response is sent.
    incoming.read(0);
    const socket = incoming.socket;
    socket.destroySoon = () => {
      socket.end();
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    };
    return HttpServerResponse.setHeader(respond(refusal), "connection", "close");
  });

const TOO_LARGE = Symbol("TooLarge");

/**
 * Reads the whole body, or stops (pausing, without destroying the socket, so a 413 can be sent) past `limit`.
 * A stream error means the client went away mid-upload: nobody is left to answer, so it is a client abort.
 */
const readLimited = (source: IncomingMessage, limit: number) =>
  Effect.async<string | typeof TOO_LARGE>((resume) => {
    const chunks: Array<Buffer> = [];
    let size = 0;
    const cleanup = () => {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      cleanup();
      source.pause();
      resume(Effect.succeed(TOO_LARGE));
    };
    const onEnd = () => {
      cleanup();
      resume(Effect.succeed(Buffer.concat(chunks).toString("utf8")));
    };
    const onError = () => {
      cleanup();
      resume(Effect.interruptWith(HttpServerError.clientAbortFiberId));
    };
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", onError);
    return Effect.sync(cleanup);
  });

/**
 * The same request, with its body already read: the handlers' decoding reads it from here. Its content-type
 * says JSON whatever JSON type (or none) was sent, so the payload decoder parses it as JSON.
 */
const withBody = (
  request: HttpServerRequest.HttpServerRequest,
  text: string,
  json: unknown,
): HttpServerRequest.HttpServerRequest =>
  new Proxy(request, {
    get(target, property, receiver) {
      if (property === "text") return Effect.succeed(text);
      if (property === "json") return Effect.succeed(json);
      if (property === "headers") return Headers.set(target.headers, "content-type", "application/json");
      if (property === "modify") {
        return (options: Parameters<typeof target.modify>[0]) => withBody(target.modify(options), text, json);
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });

const NOT_JSON = Symbol("NotJson");

const parse = (text: string): unknown => {
  try {
    return text === "" ? null : JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
};

const takesBody = (method: string) => method === "POST" || method === "PUT" || method === "PATCH";

/**
 * Every request body is checked here, before routing, authentication or any database work, and whatever its
 * method: it must be JSON (415 otherwise, from the headers alone), at most 1 MiB (413, declared or streamed:
 * the rest is never read), and free of NUL characters and deep nesting (400), and it must parse (400).
 */
export const middleware = HttpMiddleware.make((app) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest;
    const early = refusalFromHeaders(request);
    if (early !== undefined) return hasBody(request.headers) ? yield* refuseUnread(request, early) : respond(early);
    if (!takesBody(request.method) && !hasBody(request.headers)) return yield* app;
    const text = yield* readLimited(NodeHttpServerRequest.toIncomingMessage(request), MAX_BODY_BYTES);
    if (text === TOO_LARGE) return yield* refuseUnread(request, tooLarge);
    const problem = jsonProblem(text);
    if (problem !== undefined) return respond(badRequest(problem));
    const json = parse(text);
    if (json === NOT_JSON) return respond(badRequest("request body is not valid JSON"));
    return yield* Effect.provideService(app, HttpServerRequest.HttpServerRequest, withBody(request, text, json));
  }),
);
