import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The db-admin package folder: drizzle.config.ts, src/schema.ts and drizzle/ live here. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SCHEMA_PATH = join(PACKAGE_DIR, "src", "schema.ts");
export const MIGRATIONS_DIR = join(PACKAGE_DIR, "drizzle");

const require = createRequire(import.meta.url);
const binPath = () => join(dirname(require.resolve("drizzle-kit")), "bin.cjs");
/** Answers drizzle-kit's "created or renamed?" prompts with "create" (see the file). */
const ANSWER_CREATE = join(dirname(fileURLToPath(import.meta.url)), "internal", "answerCreate.cjs");

/**
 * The line drizzle-kit prints for each prompt answered "create": `+ <name> <entity> will be created`. Its policy
 * question reuses the column one and says "column", so only the name is kept.
 */
const ANSWERED = /^\+ (\S+) \w+ will be created$/gm;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are control characters.
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** The names drizzle-kit's output says it asked "created or renamed?" about and was answered "create". */
export const answeredCreate = (stdout: string): ReadonlyArray<string> =>
  [...stdout.replace(ANSI, "").matchAll(ANSWERED)].flatMap((match) => (match[1] === undefined ? [] : [match[1]]));

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Schema modules read besides `src/schema.ts` (a test's extra tables). */
  readonly extraSchemas?: ReadonlyArray<string>;
  /** Extra environment for drizzle-kit (e.g. `DATABASE_URL` for studio). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs the drizzle-kit CLI with the package's config, writing migrations into `out`. */
export const run = (
  args: ReadonlyArray<string>,
  out: string = MIGRATIONS_DIR,
  options: RunOptions = {},
): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const child = execFile(
      "node", // drizzle-kit is a Node CLI; run it with Node even when the caller runs under Bun.
      ["--require", ANSWER_CREATE, binPath(), ...args],
      {
        cwd: PACKAGE_DIR,
        maxBuffer: 32 * 1024 * 1024, // Relative: drizzle-kit mangles an absolute `out` in some commands.
        env: {
          ...process.env,
          ...options.env,
          BEEP_MIGRATIONS_OUT: relative(PACKAGE_DIR, out) || ".",
          BEEP_EXTRA_SCHEMAS: (options.extraSchemas ?? []).map((path) => relative(PACKAGE_DIR, path)).join(","),
        },
      },
      (error, stdout, stderr) => {
        // drizzle-kit can print an error (say, a rename prompt it cannot ask without a terminal) and exit 0.
        const printed = /^Error: .*/m.exec(`${stderr}\n${stdout}`)?.[0];
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else if (printed !== undefined) reject(Object.assign(new Error(printed), { stdout, stderr: printed }));
        else resolve({ stdout, stderr });
      },
    );
    // Nothing to read: its prompts are answered without input.
    child.stdin?.end();
  });

/** Where `drizzle-kit studio` serves its API (the UI it prints comes from the internet and calls this). */
export interface StudioListen {
  readonly host: string;
  readonly port: number;
}

/** `drizzle-kit studio` with the package's config, browsing `url`, in the foreground (inherits the terminal). */
export const studio = (url: string, listen: StudioListen): ChildProcess =>
  spawn("node", [binPath(), "studio", "--host", listen.host, "--port", String(listen.port)], {
    cwd: PACKAGE_DIR,
    stdio: "inherit",
    env: { ...process.env, DATABASE_URL: url },
  });

/** `drizzle-kit generate` of the whole schema into `out` (no config file involved). */
export const generateInto = (out: string, name = "snapshot") =>
  run(["generate", "--dialect", "postgresql", "--schema", SCHEMA_PATH, "--out", out, "--name", name], out);

export interface JournalEntry {
  readonly idx: number;
  readonly when: number;
  readonly tag: string;
}

/** The ordered migrations of a folder, as drizzle-kit recorded them. */
export const journal = (migrationsDir: string): ReadonlyArray<JournalEntry> => {
  try {
    const parsed = JSON.parse(readFileSync(join(migrationsDir, "meta", "_journal.json"), "utf8")) as {
      entries: Array<JournalEntry>;
    };
    return parsed.entries;
  } catch {
    return [];
  }
};
