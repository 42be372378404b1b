import { spawnSync } from "node:child_process";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect, Either } from "effect";
import type { ScaffoldError } from "../ScaffoldErrors.ts";

/** The repository root (this file is `tooling/scaffold/src/bin/run.ts`). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

/** Runs a generator: its files, one line each, or its refusal on one line and exit code 1. */
export const generate = (program: Effect.Effect<ReadonlyArray<string>, ScaffoldError>): void => {
  const result = Effect.runSync(Effect.either(program));
  if (Either.isLeft(result)) {
    console.error(`${result.left._tag}: ${result.left.message}`);
    process.exit(1);
  }
  for (const path of result.right) console.log(`wrote ${relative(ROOT, path)}`);
};

/** A follow-up command at the root, its output shown; a failure ends the process with its code. */
export const follow = (command: string, args: ReadonlyArray<string>): void => {
  console.log(`$ ${[command, ...args].join(" ")}`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
