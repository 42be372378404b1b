// `bun run specs:verify [--no-run] [spec ...]`: runs every checkpoint block of every spec and prints a table.
// With --no-run it only reads and checks the specs (status tables, placeholders, logs, handoffs).
import { Cause, Config, Console, Duration, Effect, Exit, Option } from "effect";
import { SpecErrors, Verify } from "../src/index.ts";
import { REPO_ROOT, SPECS_DIR } from "./paths.ts";

const NO_RUN = "--no-run";

const program = Effect.gen(function* () {
  const guard = yield* Config.string(Verify.GUARD_VARIABLE).pipe(Config.withDefault(""));
  if (guard !== "") {
    return yield* new SpecErrors.NestedVerify({ variable: Verify.GUARD_VARIABLE });
  }
  const timeoutSeconds = yield* Config.integer("SPECS_VERIFY_TIMEOUT_SECONDS").pipe(Config.withDefault(600));
  const specsDir = yield* Config.string("BEEP_SPECS_DIR").pipe(Config.withDefault(SPECS_DIR));
  const known = Verify.specNames(specsDir);
  const args = process.argv.slice(2);
  const noRun = args.includes(NO_RUN);
  const wanted = args.filter((arg) => arg !== NO_RUN);
  for (const name of wanted) {
    if (!known.includes(name)) return yield* new SpecErrors.UnknownSpec({ name, known });
  }
  const specs = yield* Effect.forEach(wanted.length > 0 ? wanted : known, (name) =>
    Verify.load(specsDir, name, REPO_ROOT),
  );
  if (noRun) {
    for (const spec of specs) {
      yield* Console.log(`${spec.name}: ${spec.statuses.size} phases, ${spec.checkpoints.length} checkpoints, not run`);
    }
    return 0;
  }
  const results = yield* Verify.run(specs, {
    cwd: REPO_ROOT,
    timeout: Duration.seconds(timeoutSeconds),
    onStart: (index, total, spec, checkpoint) =>
      console.log(`[${index}/${total}] ${spec} ${checkpoint.phase}: ${checkpoint.command}`),
    onEnd: (result) => {
      console.log(`        ${Verify.outcome(result)} in ${(result.run.durationMs / 1000).toFixed(1)}s`);
      if (Verify.isFailure(result)) {
        const where = `${result.checkpoint.file}:${result.checkpoint.line}`;
        console.log(`        --- output of the failed checkpoint (${where}) ---\n${result.run.output}\n        ---`);
      }
    },
  });
  yield* Console.log(`\n${Verify.table(results)}\n\n${Verify.summary(results)}`);
  return results.some(Verify.isFailure) ? 1 : 0;
});

const exit = await Effect.runPromiseExit(program);
if (Exit.isSuccess(exit)) {
  process.exit(exit.value);
} else {
  const failure = Cause.failureOption(exit.cause);
  console.error(Option.isSome(failure) ? `specs:verify: ${failure.value.message}` : Cause.pretty(exit.cause));
  process.exit(2);
}
