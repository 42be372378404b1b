import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ports } from "@beep/testkit";

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The line `bun run dev` prints per demo organization: its token and a URL to try it on. */
export const CURL = /curl -H "Authorization: Bearer ([^"]+)" (http:\/\/\S+)/;

export interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** `bun run dev` in the app, with `env` over the test's own environment minus any database or secret. */
export const startDev = (env: Record<string, string>): Run => runScript("dev", env);

/** `bun run start` in the app, likewise. */
export const startServer = (env: Record<string, string>): Run => runScript("start", env);

/** A `sh -c` command (a documented one), likewise, from `cwd`. */
export const runShell = (command: string, env: Record<string, string>, cwd: string): Run =>
  track(spawn("sh", ["-c", command], { cwd, env: { ...inheritedEnv(), ...env }, stdio: "pipe" }));

// Nothing of the test's own database, secrets or server settings leaks into the process under test.
const inheritedEnv = () => {
  const {
    DATABASE_URL: _a,
    APP_DATABASE_URL: _b,
    AUTH_SECRET: _c,
    BEEP_CONTEXT_KEY: _d,
    DATABASE_POOL_MODE: _e,
    PORT: _f,
    HOST: _g,
    AUTH_JWKS_URL: _h,
    AUTH_ISSUER: _i,
    AUTH_AUDIENCE: _j,
    CORS_ORIGINS: _k,
    PUBLIC_URL: _l,
    ...inherited
  } = process.env;
  return inherited;
};

const runScript = (script: string, env: Record<string, string>): Run =>
  track(spawn("bun", ["run", script], { cwd: APP_DIR, env: { ...inheritedEnv(), ...env }, stdio: "pipe" }));

const track = (child: ChildProcess): Run => {
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
  throw new Error(`no ${pattern} in the output:\n${run.output()}`);
};

// What `bun run dev` prints when its HTTP port (`PortInUse`) or its database's port (`DevDatabaseError`) is held.
const PORT_FAILURE = /is already in use|is the port taken\? set BEEP_PG_PORT/;

/**
 * `bun run dev` on free ports and a fresh data directory, until `ready` shows in its output; started again on
 * other ports when a port was taken between the pick and the child's bind (packages run in parallel).
 */
export const startDevOnFreePorts = (
  ready: RegExp,
  timeoutMs: number,
  options: { readonly env?: Record<string, string>; readonly pick?: () => Promise<number> } = {},
): Promise<{ readonly run: Run; readonly port: number; readonly match: RegExpMatchArray }> =>
  Ports.onFreePort(
    async (port) => {
      const run = startDev({
        ...options.env,
        PORT: String(port),
        BEEP_PG_PORT: String(await Ports.freePort()),
        BEEP_PG_DATA_DIR: freshDataDir(),
      });
      try {
        return { run, port, match: await waitFor(run, ready, timeoutMs) };
      } catch (error) {
        if (run.child.exitCode === null) run.child.kill("SIGTERM");
        await run.exited;
        if (PORT_FAILURE.test(run.output())) throw new Ports.PortTaken(port, run.output());
        throw error;
      }
    },
    { pick: options.pick },
  );

export const within = <A>(promise: Promise<A>, ms: number, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(what)), ms))]);

export const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => resolve(true)).once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  }).finally(() => undefined);

// bun run adds its own lines around the script's ("$ bun src/bin/dev.ts", "error: script ... exited").
export const REPO_DIR = join(APP_DIR, "..", "..");

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
