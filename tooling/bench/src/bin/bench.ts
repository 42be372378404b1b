import { Command, Options } from "@effect/cli";
import * as NodeContext from "@effect/platform-node/NodeContext";
import * as NodeRuntime from "@effect/platform-node/NodeRuntime";
import { Config, Console, Effect, Option } from "effect";
import * as Bench from "../Bench.ts";
import * as Docs from "../Docs.ts";
import * as Profile from "../Profile.ts";
import * as Report from "../Report.ts";

const quick = Options.boolean("quick").pipe(
  Options.withDescription("small data and short rounds: checks the harness in under a minute, writes no docs"),
);

const out = Options.directory("out", { exists: "yes" }).pipe(
  Options.withDescription(
    "write benchmarks.md and benchmarks.svg here (default: docs/ for a full run, nowhere with --quick)",
  ),
  Options.optional,
);

/** A superuser URL of a throwaway server; unset or empty starts an embedded PostgreSQL. */
const databaseUrl = Config.option(Config.string("DATABASE_URL")).pipe(
  Config.map(Option.filter((url) => url.trim() !== "")),
);

/** The command as the docs show it: never the URL itself, which may hold a password. */
const commandLine = (quick: boolean, out: Option.Option<string>, url: Option.Option<string>) =>
  [
    ...(Option.isSome(url) ? ["DATABASE_URL=..."] : []),
    "bun run bench",
    ...(quick ? ["--quick"] : []),
    ...(Option.isSome(out) ? [`--out ${out.value}`] : []),
  ].join(" ");

const bench = Command.make("bench", { quick, out }, ({ quick, out }) =>
  Effect.gen(function* () {
    const profile = quick ? Profile.quick : Profile.full;
    const url = yield* databaseUrl;
    const report = yield* Effect.scoped(Bench.run(profile, url, (line) => console.log(line)));
    yield* Console.log(`\n${Report.text(report)}`);
    yield* Bench.requireFigures(report.targets);
    const directory = Option.isSome(out) ? Option.some(out.value) : quick ? Option.none() : Option.some(Docs.DOCS_DIR);
    if (Option.isSome(directory)) {
      const written = yield* Docs.write(report, commandLine(quick, out, url), directory.value);
      yield* Console.log(`\nwrote ${written.join(", ")}`);
    }
  }),
);

const cli = Command.run(bench, { name: "beep bench", version: "0.0.0" });

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain);
