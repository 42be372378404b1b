import {
  HttpIncomingMessage,
  HttpMiddleware,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse,
} from "@effect/platform";
import { Cause, Effect, Option } from "effect";

/** Request bodies larger than this are refused with 413 before anything is parsed or written. */
export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = HttpServerResponse.unsafeJson(
  { _tag: "PayloadTooLarge", message: `request body exceeds ${MAX_BODY_BYTES} bytes` },
  { status: 413 },
);

const isOverflow = (cause: Cause.Cause<unknown>) =>
  Option.exists(Cause.failureOption(cause), (error) => {
    if (!HttpServerError.isServerError(error) || error._tag !== "RequestError") return false;
    return error.cause instanceof Error && error.cause.message === "maxBytes exceeded";
  });

/** A declared length over the limit is refused at once; a streamed body is cut off when it passes the limit. */
export const middleware = HttpMiddleware.make((app) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest;
    const declared = Number(request.headers["content-length"] ?? "0");
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return tooLarge;
    return yield* app.pipe(
      HttpIncomingMessage.withMaxBodySize(Option.some(MAX_BODY_BYTES)),
      Effect.catchAllCause((cause) => (isOverflow(cause) ? Effect.succeed(tooLarge) : Effect.failCause(cause))),
    );
  }),
);
