import * as NodeRuntime from "@effect/platform-node/NodeRuntime";
import { Cause, Console, Effect } from "effect";
import * as Start from "../Start.ts";

const oneLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error";

// runMain interrupts the program on SIGINT/SIGTERM: its scope closes the HTTP server (draining in-flight requests
// up to Server.DRAIN_DEADLINE) and then the pools, and the process exits 0. Anything else ends it with one line
// on stderr and exit code 1.
NodeRuntime.runMain(
  Start.program.pipe(
    Effect.scoped,
    Effect.tapErrorCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.void : Console.error(`beep start: ${oneLine(Cause.squash(cause))}`),
    ),
  ),
  { disableErrorReporting: true },
);
