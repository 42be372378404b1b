import { Command, Options } from "@effect/cli";
import { NodeContext, NodeRuntime } from "@effect/platform-node";
import { Config, Console, Effect, Option } from "effect";
import * as Bench from "../Bench.ts";
import * as Docs from "../Docs.ts";
import * as Profile from "../Profile.ts";
import * as Report from "../Report.ts";

const quick = Options.boolean("quick").pipe(
  Options.withDescription("small data and short rounds: checks the harness in under a minute, writes no docs"),
);

/** A superuser URL of a throwaway server; unset or empty starts an embedded PostgreSQL. */
const databaseUrl = Config.option(Config.string("DATABASE_URL")).pipe(
  Config.map(Option.filter((url) => url.trim() !== "")),
);

const bench = Command.make("bench", { quick }, ({ quick }) =>
  Effect.gen(function* () {
    const profile = quick ? Profile.quick : Profile.full;
    const url = yield* databaseUrl;
    const report = yield* Effect.scoped(Bench.run(profile, url, (line) => console.log(line)));
    yield* Console.log(`\n${Report.text(report)}`);
    if (profile.name === "full") {
      const written = yield* Docs.write(report, "bun run bench");
      yield* Console.log(`\nwrote ${written.join(", ")}`);
    }
  }),
);

const cli = Command.run(bench, { name: "beep bench", version: "0.0.0" });

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain);
