import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The db-admin package folder: drizzle.config.ts, src/schema.ts and drizzle/ live here. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SCHEMA_PATH = join(PACKAGE_DIR, "src", "schema.ts");
export const MIGRATIONS_DIR = join(PACKAGE_DIR, "drizzle");

const require = createRequire(import.meta.url);
const binPath = () => join(dirname(require.resolve("drizzle-kit")), "bin.cjs");

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the drizzle-kit CLI with `args`, from the package folder. */
export const run = (args: ReadonlyArray<string>): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [binPath(), ...args],
      { cwd: PACKAGE_DIR, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });

/** `drizzle-kit generate` of the whole schema into `out` (no config file involved). */
export const generateInto = (out: string, name = "snapshot") =>
  run(["generate", "--dialect", "postgresql", "--schema", SCHEMA_PATH, "--out", out, "--name", name]);
