import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { ServiceUnavailable } from "../ApiErrors.ts";
import { HealthDb } from "../HealthCheck.ts";
import * as RequestLog from "../RequestLog.ts";

/**
 * A trivial query on the health pool (`HealthCheck`), never the runtime pool: it answers within a second even
 * when every runtime connection is busy or the database is gone. The 503 says why; the log line has the cause.
 */
export const HealthLive = HttpApiBuilder.group(Api, "health", (handlers) =>
  handlers.handle("health", () =>
    Effect.flatMap(HealthDb, ({ check }) => check).pipe(
      Effect.as({ status: "ok" as const, database: "ok" as const }),
      Effect.catchAll((failure) =>
        Effect.zipRight(
          RequestLog.annotateError(failure.error),
          Effect.fail(new ServiceUnavailable({ message: failure.reason })),
        ),
      ),
    ),
  ),
);
