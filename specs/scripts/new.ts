// `bun run spec:new <name>`: copies specs/_template to specs/<name> and adds it to specs/README.md.
import { relative } from "node:path";
import { Cause, Config, Effect, Exit, Option } from "effect";
import { SpecErrors, SpecScaffold } from "../src/index.ts";
import { REPO_ROOT, SPECS_DIR } from "./paths.ts";

const program = Effect.gen(function* () {
  const specsDir = yield* Config.string("BEEP_SPECS_DIR").pipe(Config.withDefault(SPECS_DIR));
  const [name, ...rest] = process.argv.slice(2);
  if (name === undefined || rest.length > 0) {
    return yield* new SpecErrors.InvalidSpecName({
      name: process.argv.slice(2).join(" "),
      reason: "usage: bun run spec:new <kebab-case-name>",
    });
  }
  return yield* SpecScaffold.create(specsDir, name);
});

const exit = await Effect.runPromiseExit(program);
if (Exit.isSuccess(exit)) {
  const shown = relative(REPO_ROOT, exit.value).startsWith("..") ? exit.value : relative(REPO_ROOT, exit.value);
  console.log(
    `Created ${shown} and its row in specs/README.md. Replace every TODO (the goal there and in its README, the status table, the phases and their checkpoints), then run: bun run specs:verify --no-run`,
  );
} else {
  const failure = Cause.failureOption(exit.cause);
  console.error(Option.isSome(failure) ? `spec:new: ${failure.value.message}` : Cause.pretty(exit.cause));
  process.exit(1);
}
