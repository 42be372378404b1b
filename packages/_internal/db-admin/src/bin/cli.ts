import { NodeContext, NodeRuntime } from "@effect/platform-node";
import { Console, Effect } from "effect";
import * as Cli from "../Cli.ts";

// Failures print one line and exit non-zero; the CLI itself prints usage errors.
Cli.run(process.argv).pipe(
  Effect.tapErrorCause((cause) => {
    const line = Cli.describeFailure(cause);
    return line === undefined ? Effect.void : Console.error(line);
  }),
  Effect.provide(NodeContext.layer),
  (program) => NodeRuntime.runMain(program, { disableErrorReporting: true }),
);
