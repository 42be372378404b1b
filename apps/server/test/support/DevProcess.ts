import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The line `bun run dev` prints per demo organization: its token and a URL to try it on. */
export const CURL = /curl -H "Authorization: Bearer ([^"]+)" (http:\/\/\S+)/;

export interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** `bun run dev` in the app, with `env` over the test's own environment minus any database or secret. */
export const startDev = (env: Record<string, string>): Run => {
  const { DATABASE_URL: _a, APP_DATABASE_URL: _b, AUTH_SECRET: _c, ...inherited } = process.env;
  const child = spawn("bun", ["run", "dev"], { cwd: APP_DIR, env: { ...inherited, ...env }, stdio: "pipe" });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
};

export const waitFor = async (run: Run, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = run.output().match(pattern);
    if (match !== null) return match;
    if (run.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no ${pattern} in the output of bun run dev:\n${run.output()}`);
};

export const within = <A>(promise: Promise<A>, ms: number, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(what)), ms))]);

export const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => resolve(true)).once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  }).finally(() => undefined);

// bun run adds its own lines around the script's ("$ bun src/bin/dev.ts", "error: script ... exited").
export const scriptLines = (output: string) =>
  output
    .trim()
    .split("\n")
    .filter((line) => !line.startsWith("$ ") && !line.startsWith("error: script"));

const scratch: Array<string> = [];

/** A data directory path for the embedded database, not created yet; `removeScratch` deletes them all. */
export const freshDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "beep-dev-test-"));
  scratch.push(dir);
  return join(dir, "postgres");
};

export const removeScratch = () => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
};
