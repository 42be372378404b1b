import { HttpMiddleware, HttpServerError, HttpServerRequest } from "@effect/platform";
import { Cause, Context, Effect, FiberRef } from "effect";

/** One JSON object per request. Never the query string, headers or body: those may carry tokens. */
export interface RequestLine {
  readonly time: string;
  readonly level: "info" | "error";
  readonly message: "request";
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly organizationId: string | null;
  readonly error?: string;
}

/** Where log lines go; standard output unless a test or host provides another. */
export class LogSink extends Context.Reference<LogSink>()("@beep/server/LogSink", {
  defaultValue: () => (line: string) => {
    process.stdout.write(`${line}\n`);
  },
}) {}

interface RequestFacts {
  organizationId: string | null;
}

// A fresh cell per request; the authentication step fills in the organization once the token is verified.
const currentFacts = FiberRef.unsafeMake<RequestFacts>({ organizationId: null });

export const annotateOrganization = (organizationId: string): Effect.Effect<void> =>
  Effect.map(FiberRef.get(currentFacts), (facts) => {
    facts.organizationId = organizationId;
  });

const pathOf = (url: string) => {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
};

const describeDefect = (cause: Cause.Cause<unknown>): string | undefined => {
  if (Cause.isInterruptedOnly(cause)) return undefined;
  const error = Cause.squash(cause);
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 500);
};

export const middleware = HttpMiddleware.make((app) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest;
    const sink = yield* LogSink;
    const facts: RequestFacts = { organizationId: null };
    const started = performance.now();
    const exit = yield* Effect.exit(Effect.locally(app, currentFacts, facts));
    const base = {
      time: new Date().toISOString(),
      message: "request" as const,
      method: request.method,
      path: pathOf(request.url),
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      organizationId: facts.organizationId,
    };
    if (exit._tag === "Success") {
      sink(JSON.stringify({ level: "info", ...base, status: exit.value.status } satisfies RequestLine));
      return exit.value;
    }
    // The response the server sends for this cause; a client gone mid-request is a 499, not a 500.
    const [response] = yield* HttpServerError.causeResponse(exit.cause);
    const error = response.status >= 500 ? describeDefect(exit.cause) : undefined;
    const line: RequestLine = {
      level: response.status >= 500 ? "error" : "info",
      ...base,
      status: response.status,
      ...(error === undefined ? {} : { error }),
    };
    sink(JSON.stringify(line));
    return yield* exit;
  }),
);
