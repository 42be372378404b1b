import { Db, DbErrors } from "@beep/shared-server";
import { HttpApiBuilder } from "@effect/platform";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { ServiceUnavailable } from "../ApiErrors.ts";

/** A trivial query on the runtime pool: no tenant is needed to know the database answers. */
export const HealthLive = HttpApiBuilder.group(Api, "health", (handlers) =>
  handlers.handle("health", () =>
    Effect.flatMap(Db.Db, ({ sql }) => Effect.tryPromise({ try: () => sql`select 1`, catch: DbErrors.fromCause })).pipe(
      Effect.as({ status: "ok" as const, database: "ok" as const }),
      Effect.mapError(() => new ServiceUnavailable({ message: "database unavailable" })),
    ),
  ),
);
