import type { IncomingMessage } from "node:http";
import { HttpMiddleware, HttpServerRequest, HttpServerResponse } from "@effect/platform";
import { NodeHttpServerRequest } from "@effect/platform-node";
import { Effect } from "effect";

/** Request bodies larger than this are refused with 413 before anything is parsed or written. */
export const MAX_BODY_BYTES = 1024 * 1024;

// The rest of an oversized upload is not read: the connection closes once the 413 is sent.
const tooLarge = () =>
  HttpServerResponse.unsafeJson(
    { _tag: "PayloadTooLarge", message: `request body exceeds ${MAX_BODY_BYTES} bytes` },
    { status: 413, headers: { connection: "close" } },
  );

// Same shape as a schema failure, so a client handles every 400 alike.
const notJson = () =>
  HttpServerResponse.unsafeJson(
    { _tag: "HttpApiDecodeError", issues: [], message: "request body is not valid JSON" },
    { status: 400 },
  );

const TOO_LARGE = Symbol("TooLarge");

/** Reads the whole body, or stops (without destroying the socket, so a 413 can still be sent) past `limit`. */
const readLimited = (source: IncomingMessage, limit: number) =>
  Effect.async<string | typeof TOO_LARGE, Error>((resume) => {
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
    const onError = (error: Error) => {
      cleanup();
      resume(Effect.fail(error));
    };
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", onError);
    return Effect.sync(cleanup);
  });

/** The same request, with its body already read: the handlers' JSON decoding reads it from here. */
const withBody = (
  request: HttpServerRequest.HttpServerRequest,
  text: string,
  json: unknown,
): HttpServerRequest.HttpServerRequest =>
  new Proxy(request, {
    get(target, property, receiver) {
      if (property === "text") return Effect.succeed(text);
      if (property === "json") return Effect.succeed(json);
      if (property === "modify") {
        return (options: Parameters<typeof target.modify>[0]) => withBody(target.modify(options), text, json);
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });

const readsJson = (request: HttpServerRequest.HttpServerRequest) =>
  (request.method === "POST" || request.method === "PUT" || request.method === "PATCH") &&
  (request.headers["content-type"] ?? "application/json").toLowerCase().includes("application/json");

/**
 * JSON bodies are read here, before routing, authentication or any database work: a declared or
 * streamed length over 1 MiB is a 413, a body that does not parse is a 400 with a message.
 */
export const middleware = HttpMiddleware.make((app) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest;
    const declared = Number(request.headers["content-length"] ?? "0");
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return tooLarge();
    if (!readsJson(request)) return yield* app;
    const text = yield* readLimited(NodeHttpServerRequest.toIncomingMessage(request), MAX_BODY_BYTES).pipe(
      Effect.orDie,
    );
    if (text === TOO_LARGE) return tooLarge();
    let json: unknown;
    try {
      json = text === "" ? null : JSON.parse(text);
    } catch {
      return notJson();
    }
    return yield* Effect.provideService(app, HttpServerRequest.HttpServerRequest, withBody(request, text, json));
  }),
);
