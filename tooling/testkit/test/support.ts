import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert } from "@effect/vitest";

/** The error `run` rejects with; fails the test when it resolves. */
export const errorOf = async (run: () => Promise<unknown>): Promise<Error> => {
  try {
    await run();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  return assert.fail("expected an error");
};

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A fixture run as a child process, and what it printed so far. */
export interface Fixture<T> {
  readonly child: ChildProcess;
  /** The first line it prints that is JSON, parsed: what it started. Rejects if it exits first. */
  readonly started: Promise<T>;
  /** How it ended: the signal, else the exit code. */
  readonly ended: Promise<NodeJS.Signals | number | null>;
  readonly output: () => string;
}

/** Runs a fixture of this package with Bun (TypeScript as it is; the tests themselves may run under Node). */
export const runFixture = <T>(file: string, args: ReadonlyArray<string> = []): Fixture<T> => {
  const child = spawn("bun", [join(packageDir, file), ...args], { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const ended = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(signal ?? code)),
  );
  const started = new Promise<T>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n").find((text) => text.startsWith("{"));
      if (line !== undefined) resolve(JSON.parse(line));
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    void ended.then(() => reject(new Error(`${file} exited before it started what it starts:\n${output}`)));
  });
  return { child, started, ended, output: () => output };
};
