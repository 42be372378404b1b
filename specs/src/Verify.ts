import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Duration, Effect } from "effect";
import * as Checkpoint from "./Checkpoint.ts";
import * as PhaseStatus from "./PhaseStatus.ts";
import {
  type CheckpointNotShell,
  type CheckpointWithoutPhase,
  FileSystemError,
  type InvalidStatusRow,
  PhaseNotInStatusTable,
  type StatusTableMissing,
} from "./SpecErrors.ts";
import * as SpecGate from "./SpecGate.ts";

/** Set for every checkpoint command, so a checkpoint that starts the verification again is refused. */
export const GUARD_VARIABLE = "BEEP_SPECS_VERIFY";

export interface Spec {
  readonly name: string;
  readonly statuses: ReadonlyMap<string, PhaseStatus.Status>;
  readonly checkpoints: ReadonlyArray<Checkpoint.Checkpoint>;
}

export type SpecError =
  | StatusTableMissing
  | InvalidStatusRow
  | CheckpointWithoutPhase
  | CheckpointNotShell
  | PhaseNotInStatusTable
  | SpecGate.GateError;

const SKIPPED_DIRS = new Set(["node_modules"]);

/** The folder `spec:new` copies; its checkpoint commands are placeholders in any spec. */
const TEMPLATE_DIR = "_template";

const readText = (path: string) =>
  Effect.try({ try: () => readFileSync(path, "utf8"), catch: (cause) => new FileSystemError({ path, cause }) });

/** The markdown files under `dir`: a folder's own files first, then its subfolders, each by name. */
const markdownFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => Number(a.isDirectory()) - Number(b.isDirectory()) || a.name.localeCompare(b.name))
    .flatMap((entry) => {
      if (entry.name.startsWith(".") || SKIPPED_DIRS.has(entry.name)) return [];
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return markdownFiles(path);
      return entry.name.endsWith(".md") ? [path] : [];
    });

/** The spec folders of `specsDir`: folders with a README.md; `_template` and dot folders are not specs. */
export const specNames = (specsDir: string): ReadonlyArray<string> =>
  readdirSync(specsDir)
    .filter((name) => !name.startsWith("_") && !name.startsWith(".") && !SKIPPED_DIRS.has(name))
    .filter((name) => statSync(join(specsDir, name)).isDirectory() && existsSync(join(specsDir, name, "README.md")))
    .sort();

/** The commands of the template's checkpoints (none when `specsDir` has no template). */
const templateCommands = (specsDir: string, repoRoot: string) =>
  Effect.gen(function* () {
    const dir = join(specsDir, TEMPLATE_DIR);
    const commands = new Set<string>();
    if (!existsSync(dir)) return commands;
    for (const path of markdownFiles(dir)) {
      for (const checkpoint of yield* Checkpoint.parse(relative(repoRoot, path), yield* readText(path))) {
        commands.add(checkpoint.command);
      }
    }
    return commands;
  });

/**
 * A spec's phase statuses and every checkpoint of its markdown files; identical commands of a phase run once.
 * Refuses a spec the next session could not resume from (`SpecGate.check`) before anything runs.
 */
export const load = (specsDir: string, name: string, repoRoot: string): Effect.Effect<Spec, SpecError> =>
  Effect.gen(function* () {
    const dir = join(specsDir, name);
    const readmePath = join(dir, "README.md");
    const readme = yield* readText(readmePath);
    const rows = yield* PhaseStatus.rows(relative(repoRoot, readmePath), readme);
    const statuses = new Map(rows.map((row) => [row.phase, row.status] as const));
    const seen = new Set<string>();
    const all: Array<Checkpoint.Checkpoint> = [];
    const checkpoints: Array<Checkpoint.Checkpoint> = [];
    const placeholderLines: Array<{ file: string; line: number; phase: string }> = [];
    for (const path of markdownFiles(dir)) {
      const file = relative(repoRoot, path);
      const text = yield* readText(path);
      const todo = yield* Checkpoint.placeholders(file, text);
      placeholderLines.push(...todo.map(({ line, phase }) => ({ file, line, phase })));
      for (const checkpoint of yield* Checkpoint.parse(file, text)) {
        if (!statuses.has(checkpoint.phase)) {
          return yield* new PhaseNotInStatusTable({ file, line: checkpoint.line, phase: checkpoint.phase });
        }
        all.push(checkpoint);
        const key = `${checkpoint.phase}\u0000${checkpoint.command}`;
        if (seen.has(key)) continue;
        seen.add(key);
        checkpoints.push(checkpoint);
      }
    }
    yield* SpecGate.check({
      specsDir,
      name,
      repoRoot,
      readme,
      rows,
      checkpoints: all,
      placeholderLines,
      templateCommands: yield* templateCommands(specsDir, repoRoot),
    });
    const order = (phase: string) => Number(phase.slice(1));
    checkpoints.sort((a, b) => order(a.phase) - order(b.phase));
    return { name, statuses, checkpoints };
  });

export interface CommandResult {
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** The last lines the command printed (stdout and stderr interleaved). */
  readonly output: string;
}

const OUTPUT_LINES = 60;

/** Runs one shell command in `cwd`, killing its whole process group after `timeout`. */
export const runCommand = (command: string, cwd: string, timeout: Duration.Duration): Effect.Effect<CommandResult> =>
  Effect.async<CommandResult>((resume) => {
    const started = performance.now();
    const child = spawn("bash", ["-c", command], {
      cwd,
      env: { ...process.env, [GUARD_VARIABLE]: "1" },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let timedOut = false;
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString())
        .split("\n")
        .slice(-OUTPUT_LINES * 4)
        .join("\n");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const killGroup = () => {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, Duration.toMillis(timeout));
    const finish = (exitCode: number | null, extra = "") => {
      clearTimeout(timer);
      resume(
        Effect.succeed({
          ok: exitCode === 0 && !timedOut,
          exitCode,
          timedOut,
          durationMs: performance.now() - started,
          output: `${output}${extra}`.trimEnd().split("\n").slice(-OUTPUT_LINES).join("\n"),
        }),
      );
    };
    child.on("error", (error) => finish(null, `\n${error.message}`));
    child.on("close", (code) => finish(code));
    return Effect.sync(() => {
      clearTimeout(timer);
      killGroup();
    });
  });

export interface Result {
  readonly spec: string;
  readonly checkpoint: Checkpoint.Checkpoint;
  readonly status: PhaseStatus.Status;
  readonly run: CommandResult;
}

/** What a result means: a failure counts only when its phase is complete. */
export const outcome = (result: Result): string => {
  if (result.status === "complete") return result.run.ok ? "pass" : result.run.timedOut ? "FAIL (timeout)" : "FAIL";
  return result.run.ok ? `pass (phase ${result.status})` : `pending (phase ${result.status})`;
};

export const isFailure = (result: Result) => result.status === "complete" && !result.run.ok;

export interface RunOptions {
  readonly cwd: string;
  readonly timeout: Duration.Duration;
  /** Called before each command, to show progress. */
  readonly onStart?: (index: number, total: number, spec: string, checkpoint: Checkpoint.Checkpoint) => void;
  readonly onEnd?: (result: Result) => void;
}

/** Runs every checkpoint of `specs`, one at a time (they share the machine with the test suites). */
export const run = (specs: ReadonlyArray<Spec>, options: RunOptions): Effect.Effect<ReadonlyArray<Result>> => {
  const work = specs.flatMap((spec) => spec.checkpoints.map((checkpoint) => ({ spec, checkpoint })));
  return Effect.forEach(work, ({ spec, checkpoint }, index) =>
    Effect.gen(function* () {
      options.onStart?.(index + 1, work.length, spec.name, checkpoint);
      const run = yield* runCommand(checkpoint.command, options.cwd, options.timeout);
      const status = spec.statuses.get(checkpoint.phase) ?? "planned";
      const result: Result = { spec: spec.name, checkpoint, status, run };
      options.onEnd?.(result);
      return result;
    }),
  );
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** The results as an aligned text table: spec, phase, command, result, duration. */
export const table = (results: ReadonlyArray<Result>): string => {
  const rows = [
    ["spec", "phase", "command", "result", "duration"],
    ...results.map((result) => [
      result.spec,
      result.checkpoint.phase,
      result.checkpoint.command,
      outcome(result),
      seconds(result.run.durationMs),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  const format = (row: ReadonlyArray<string>) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  const rule = `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`;
  const [header, ...body] = rows;
  return [format(header ?? []), rule, ...body.map(format)].join("\n");
};

export const summary = (results: ReadonlyArray<Result>): string => {
  const count = (predicate: (result: Result) => boolean) => results.filter(predicate).length;
  const passed = count((result) => result.status === "complete" && result.run.ok);
  const failed = count(isFailure);
  const planned = count((result) => result.status !== "complete");
  return `${results.length} checkpoints: ${passed} passed, ${failed} failed, ${planned} of phases not yet complete`;
};
