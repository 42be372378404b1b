import { parseArgs } from "node:util";
import { Effect } from "effect";
import * as Scaffold from "../Scaffold.ts";
import { BadArguments } from "../ScaffoldErrors.ts";
import { generate, ROOT } from "./run.ts";

// bun run table:new <slice> <entity> [--mode standard|nullable|none] [--reason "<why no RLS>"]
const parsed = Effect.try({
  try: () =>
    parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { mode: { type: "string" }, reason: { type: "string" } },
    }),
  catch: (cause) => new BadArguments({ detail: cause instanceof Error ? cause.message : String(cause) }),
});

generate(
  Effect.gen(function* () {
    const { positionals, values } = yield* parsed;
    const [slice, entity] = positionals;
    if (slice === undefined || entity === undefined || positionals.length > 2) {
      return yield* new BadArguments({
        detail: 'usage: bun run table:new <slice> <entity> [--mode standard|nullable|none] [--reason "<text>"]',
      });
    }
    const mode = yield* Scaffold.parseMode(values.mode, values.reason);
    return yield* Scaffold.newTable(ROOT, slice, entity, mode);
  }),
);
