import { HttpApiBuilder } from "@effect/platform";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { ServiceUnavailable } from "../ApiErrors.ts";
import { Tenancy } from "../internal/Tenancy.ts";

export const HealthLive = HttpApiBuilder.group(Api, "health", (handlers) =>
  handlers.handle("health", () =>
    Effect.flatMap(Tenancy, (tenancy) => tenancy.ping).pipe(
      Effect.as({ status: "ok" as const, database: "ok" as const }),
      Effect.mapError(() => new ServiceUnavailable({ message: "database unavailable" })),
    ),
  ),
);
