import { randomUUID } from "node:crypto";
import * as HttpApp from "@effect/platform/HttpApp";
import * as HttpMiddleware from "@effect/platform/HttpMiddleware";
import * as HttpServerError from "@effect/platform/HttpServerError";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import { Cause, Context, Effect, FiberRef } from "effect";

/** Why a request ended in a 5xx: never sent to the client, only logged. */
export interface ErrorFacts {
  /** The error's `_tag` (`DatabaseUnavailable`, `QueryTimeout`, `QueryFailed`, ...), else its name, else `Defect`. */
  readonly tag: string;
  /** PostgreSQL's SQLSTATE (or the driver's or socket's code, `ECONNREFUSED`) when there is one. */
  readonly code?: string;
  /** The error's message, scrubbed of anything that looks like a secret and cut to `MAX_ERROR_MESSAGE`. */
  readonly message?: string;
}

/** One JSON object per request. Never the query string, headers or body: those may carry tokens. */
export interface RequestLine {
  readonly time: string;
  readonly level: "info" | "error";
  readonly message: "request";
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly organizationId: string | null;
  /** Only on a 5xx. */
  readonly error?: ErrorFacts;
}

/** Where log lines go; standard output unless a test or host provides another. */
export class LogSink extends Context.Reference<LogSink>()("@beep/server/LogSink", {
  defaultValue: () => (line: string) => {
    process.stdout.write(`${line}\n`);
  },
}) {}

export const REQUEST_ID_HEADER = "x-request-id";

/** An incoming `x-request-id` is kept only when it is a short token of these characters; else one is generated. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export const requestIdFrom = (header: string | undefined): string =>
  header !== undefined && SAFE_REQUEST_ID.test(header) ? header : randomUUID();

export const MAX_ERROR_MESSAGE = 300;

// What may sit in a driver's or the server's message and must not reach a log: credentials in URLs,
// `password=...` pairs, bearer tokens and JWT-shaped strings.
const SECRETS: ReadonlyArray<readonly [RegExp, string]> = [
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, "$1[redacted]@"],
  [/(password|passwd|pwd|secret|token|key)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, "$1$2[redacted]"],
  [/bearer\s+\S+/gi, "Bearer [redacted]"],
  [/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, "[redacted]"],
];

export const scrub = (message: string): string => {
  let text = message;
  for (const [pattern, replacement] of SECRETS) text = text.replace(pattern, replacement);
  return text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE)}...` : text;
};

interface ErrorFields {
  readonly _tag?: unknown;
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
}

// `QueryTimeout` is only ever made from SQLSTATE 57014 (`DbErrors.fromCause`), which it does not keep.
const IMPLIED_CODES: Readonly<Record<string, string>> = { QueryTimeout: "57014" };

/** The tag, code and message of any error or defect, scrubbed. */
export const describeError = (error: unknown): ErrorFacts => {
  const fields = (typeof error === "object" && error !== null ? error : {}) as ErrorFields;
  const tag =
    typeof fields._tag === "string"
      ? fields._tag
      : typeof fields.name === "string" && fields.name !== ""
        ? fields.name
        : "Defect";
  const code = typeof fields.code === "string" && fields.code !== "" ? fields.code : IMPLIED_CODES[tag];
  const raw =
    typeof fields.message === "string" ? fields.message : typeof error === "object" ? undefined : String(error);
  return {
    tag,
    ...(code === undefined ? {} : { code: code.slice(0, 40) }),
    ...(raw === undefined || raw === "" ? {} : { message: scrub(raw) }),
  };
};

interface RequestFacts {
  requestId: string;
  organizationId: string | null;
  error: ErrorFacts | undefined;
}

// A fresh cell per request; the authentication step fills in the organization once the token is verified.
const currentFacts = FiberRef.unsafeMake<RequestFacts>({ requestId: "", organizationId: null, error: undefined });

export const annotateOrganization = (organizationId: string): Effect.Effect<void> =>
  Effect.map(FiberRef.get(currentFacts), (facts) => {
    facts.organizationId = organizationId;
  });

/**
 * Records why this request is about to answer 5xx: the HTTP error the client gets is short and generic, and
 * `HttpApi` turns it into a response before this middleware sees it, so the cause would otherwise be lost.
 * The line carries it only when the status is 5xx.
 */
export const annotateError = (error: unknown): Effect.Effect<void> =>
  Effect.map(FiberRef.get(currentFacts), (facts) => {
    facts.error = describeError(error);
  });

/** This request's id (empty outside a request). */
export const currentRequestId: Effect.Effect<string> = Effect.map(FiberRef.get(currentFacts), (f) => f.requestId);

const pathOf = (url: string) => {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
};

const describeCause = (cause: Cause.Cause<unknown>): ErrorFacts | undefined => {
  if (Cause.isInterruptedOnly(cause)) return { tag: "Interrupted" };
  // `causeResponse` appends the response it chose as a defect: the first failure or defect is the cause.
  const first = Cause.failureOption(cause);
  if (first._tag === "Some") return describeError(first.value);
  const defects = Cause.defects(cause);
  const head = defects.pipe((chunk) => Array.from(chunk)).find((d) => !HttpServerResponse.isServerResponse(d));
  return head === undefined ? undefined : describeError(head);
};

export const middleware = HttpMiddleware.make((app) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest;
    const sink = yield* LogSink;
    const facts: RequestFacts = {
      requestId: requestIdFrom(request.headers[REQUEST_ID_HEADER]),
      organizationId: null,
      error: undefined,
    };
    const started = performance.now();
    // A pre-response handler: it also reaches the responses the server makes from a failure.
    yield* HttpApp.appendPreResponseHandler((_request, response) =>
      Effect.succeed(HttpServerResponse.setHeader(response, REQUEST_ID_HEADER, facts.requestId)),
    );
    const exit = yield* Effect.exit(Effect.locally(app, currentFacts, facts));
    const base = {
      time: new Date().toISOString(),
      message: "request" as const,
      requestId: facts.requestId,
      method: request.method,
      path: pathOf(request.url),
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      organizationId: facts.organizationId,
    };
    const write = (status: number, cause: Cause.Cause<unknown> | undefined) => {
      const error =
        status >= 500
          ? (facts.error ?? (cause === undefined ? undefined : describeCause(cause)) ?? { tag: "Unknown" })
          : undefined;
      const line: RequestLine = {
        level: status >= 500 ? "error" : "info",
        ...base,
        status,
        ...(error === undefined ? {} : { error }),
      };
      sink(JSON.stringify(line));
    };
    if (exit._tag === "Success") {
      write(exit.value.status, undefined);
      // A refusal made by a middleware (`RequestBody`, `QueryParams`) never reaches the pre-response handlers,
      // which run around the router only: it gets the header here. The router's own answers are sent already.
      return HttpServerResponse.setHeader(exit.value, REQUEST_ID_HEADER, facts.requestId);
    }
    // The response the server sends for this cause; a client gone mid-request is a 499, not a 500.
    const [response] = yield* HttpServerError.causeResponse(exit.cause);
    write(response.status, exit.cause);
    return yield* exit;
  }),
);
