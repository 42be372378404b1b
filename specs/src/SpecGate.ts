import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { Effect } from "effect";
import type * as Checkpoint from "./Checkpoint.ts";
import { PLACEHOLDER } from "./Checkpoint.ts";
import * as Markdown from "./Markdown.ts";
import { PHASE, type Row } from "./PhaseStatus.ts";
import {
  CompletePhaseWithoutCheckpoint,
  CompletePhaseWithoutReflection,
  FileSystemError,
  SpecNotIndexed,
  StaleHandoff,
  TemplatePlaceholder,
} from "./SpecErrors.ts";

/**
 * What a spec must show before the next session can resume from it alone: no template placeholder anywhere a
 * reader starts from, and every `complete` phase proven (a checkpoint), reflected on (a log entry) and handed
 * over (its own handoff no longer planned).
 */
export type GateError =
  | CompletePhaseWithoutCheckpoint
  | CompletePhaseWithoutReflection
  | StaleHandoff
  | TemplatePlaceholder
  | SpecNotIndexed
  | FileSystemError;

export interface Input {
  readonly specsDir: string;
  readonly name: string;
  readonly repoRoot: string;
  readonly readme: string;
  readonly rows: ReadonlyArray<Row>;
  /** Every checkpoint of the spec, repeats included. */
  readonly checkpoints: ReadonlyArray<Checkpoint.Checkpoint>;
  /** Lines of checkpoint blocks that hold `TODO`. */
  readonly placeholderLines: ReadonlyArray<{ readonly file: string; readonly line: number; readonly phase: string }>;
  /** The commands of the template's checkpoints: a spec that still has one never replaced it. */
  readonly templateCommands: ReadonlySet<string>;
}

export const REFLECTION_LOG = "REFLECTION_LOG.md";
export const INDEX = "README.md";

const readText = (path: string) =>
  Effect.try({ try: () => readFileSync(path, "utf8"), catch: (cause) => new FileSystemError({ path, cause }) });

const lineOf = (text: string, predicate: (line: string) => boolean) => {
  const index = text.split(/\r?\n/).findIndex(predicate);
  return index === -1 ? undefined : index + 1;
};

/** Every phase a heading names (`## P3 and P4 — completed` names both). */
const phasesIn = (text: string) => [...text.matchAll(new RegExp(PHASE.source, "g"))].map((match) => match[1]);

/** A handoff line saying the phase has not been done: `Status: planned`, `Status: **in progress**`. */
const UNFINISHED = /Status:\s*[*_`]*\s*(planned|in progress)\b/i;

/** The goal paragraph of a README: from `**Goal:**` to the next blank line. */
const goalLines = (readme: string) => {
  const lines = readme.split(/\r?\n/);
  const start = lines.findIndex((line) => /^\s*\*\*Goal:?\*\*/i.test(line));
  if (start === -1) return [];
  const result: Array<{ line: number; text: string }> = [];
  for (let index = start; index < lines.length && (lines[index] ?? "").trim() !== ""; index++) {
    result.push({ line: index + 1, text: lines[index] ?? "" });
  }
  return result;
};

const linkTarget = (cell: string) => /\]\(\s*<?([^)\s>#]+)/.exec(cell)?.[1];

/** The goal cell of the spec's row in the specs index (`| [name](name/README.md) | goal |`). */
const checkIndex = (input: Input) =>
  Effect.gen(function* () {
    const path = join(input.specsDir, INDEX);
    const file = relative(input.repoRoot, path);
    const text = yield* readText(path);
    const lines = text.split(/\r?\n/);
    const rowIndex = lines.findIndex((line) => {
      const first = line.trim().replace(/^\|/, "").split("|")[0]?.trim() ?? "";
      return line.trim().startsWith("|") && (first === input.name || first.startsWith(`[${input.name}]`));
    });
    if (rowIndex === -1) return yield* new SpecNotIndexed({ spec: input.name, file });
    if ((lines[rowIndex] ?? "").includes(PLACEHOLDER)) {
      return yield* new TemplatePlaceholder({
        spec: input.name,
        phase: undefined,
        file,
        line: rowIndex + 1,
        what: "the goal in the specs index",
      });
    }
  });

export const check = (input: Input): Effect.Effect<void, GateError> =>
  Effect.gen(function* () {
    const dir = join(input.specsDir, input.name);
    const readmeFile = relative(input.repoRoot, join(dir, "README.md"));
    const placeholder = (file: string, line: number, phase: string | undefined, what: string) =>
      new TemplatePlaceholder({ spec: input.name, phase, file, line, what });

    for (const { line, text } of goalLines(input.readme)) {
      if (text.includes(PLACEHOLDER)) return yield* placeholder(readmeFile, line, undefined, "the goal");
    }
    for (const row of input.rows) {
      if ([...row.cells.values()].some((cell) => cell.includes(PLACEHOLDER))) {
        return yield* placeholder(readmeFile, row.line, row.phase, "the status table row");
      }
    }
    yield* checkIndex(input);
    const todo = input.placeholderLines[0];
    if (todo !== undefined) return yield* placeholder(todo.file, todo.line, todo.phase, "a checkpoint line");
    for (const checkpoint of input.checkpoints) {
      if (input.templateCommands.has(checkpoint.command)) {
        return yield* placeholder(checkpoint.file, checkpoint.line, checkpoint.phase, "the checkpoint command");
      }
    }

    const complete = input.rows.filter((row) => row.status === "complete");
    for (const row of complete) {
      if (!input.checkpoints.some((checkpoint) => checkpoint.phase === row.phase)) {
        return yield* new CompletePhaseWithoutCheckpoint({
          spec: input.name,
          phase: row.phase,
          file: readmeFile,
          line: row.line,
        });
      }
    }

    const logPath = join(dir, REFLECTION_LOG);
    const logFile = relative(input.repoRoot, logPath);
    const logged = new Set(
      existsSync(logPath)
        ? Markdown.headings(yield* readText(logPath))
            .filter((heading) => heading.level === 2)
            .flatMap((heading) => phasesIn(heading.text))
        : [],
    );
    for (const row of complete) {
      if (!logged.has(row.phase)) {
        return yield* new CompletePhaseWithoutReflection({ spec: input.name, phase: row.phase, file: logFile });
      }
    }

    for (const row of complete) {
      const target = linkTarget(row.cells.get("handoff") ?? "");
      // Only a phase's own handoff speaks for it; a shared HANDOFF_P1 of a whole plan does not.
      if (target === undefined || basename(target) !== `HANDOFF_${row.phase}.md`) continue;
      const path = join(dirname(join(dir, "README.md")), target);
      if (!existsSync(path)) continue;
      const text = yield* readText(path);
      const line = lineOf(text, (candidate) => UNFINISHED.test(candidate));
      if (line !== undefined) {
        const says = UNFINISHED.exec(text.split(/\r?\n/)[line - 1] ?? "")?.[1] ?? "planned";
        return yield* new StaleHandoff({
          spec: input.name,
          phase: row.phase,
          file: relative(input.repoRoot, path),
          line,
          says: says.toLowerCase(),
        });
      }
    }
  });
