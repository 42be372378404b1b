import { basename } from "node:path";
import { Effect } from "effect";
import * as Markdown from "./Markdown.ts";
import { phaseIn } from "./PhaseStatus.ts";
import { CheckpointNotShell, CheckpointWithoutPhase } from "./SpecErrors.ts";

/** One command of a ```` ```sh checkpoint ```` block. */
export interface Checkpoint {
  readonly file: string;
  /** 1-based line of the command in `file`. */
  readonly line: number;
  readonly phase: string;
  readonly command: string;
}

const SHELLS = ["sh", "bash", "shell"];

export const isCheckpointBlock = (block: Markdown.CodeBlock) => block.words.includes("checkpoint");

/** The phase of a block: `phase=P<n>` in its info string, else the nearest heading naming one, else the file name. */
const phaseOf = (file: string, block: Markdown.CodeBlock, headings: ReadonlyArray<Markdown.Heading>) => {
  const explicit = block.words.find((word) => word.startsWith("phase="));
  if (explicit !== undefined) return phaseIn(explicit.slice("phase=".length));
  const heading = headings
    .filter((h) => h.line < block.line && phaseIn(h.text) !== undefined)
    .sort((a, b) => b.line - a.line)[0];
  return heading !== undefined ? phaseIn(heading.text) : phaseIn(basename(file));
};

/** A block's commands: one per line, `\` continues a line, blank lines and `#` comments are skipped. */
export const commands = (content: string): ReadonlyArray<{ readonly offset: number; readonly command: string }> => {
  const result: Array<{ offset: number; command: string }> = [];
  let pending: { offset: number; parts: Array<string> } | undefined;
  content.split("\n").forEach((raw, offset) => {
    const line = raw.trim();
    if (pending === undefined && (line === "" || line.startsWith("#"))) return;
    const current = pending ?? { offset, parts: [] };
    if (line.endsWith("\\")) {
      current.parts.push(line.slice(0, -1).trim());
      pending = current;
      return;
    }
    current.parts.push(line);
    result.push({ offset: current.offset, command: current.parts.filter((part) => part !== "").join(" ") });
    pending = undefined;
  });
  if (pending !== undefined) result.push({ offset: pending.offset, command: pending.parts.join(" ") });
  return result;
};

/** The checkpoint blocks of a markdown file, each with its phase. */
const blocks = (
  file: string,
  text: string,
): Effect.Effect<
  ReadonlyArray<{ readonly block: Markdown.CodeBlock; readonly phase: string }>,
  CheckpointWithoutPhase | CheckpointNotShell
> =>
  Effect.gen(function* () {
    const headings = Markdown.headings(text);
    const result: Array<{ block: Markdown.CodeBlock; phase: string }> = [];
    for (const block of Markdown.codeBlocks(text).filter(isCheckpointBlock)) {
      if (!SHELLS.includes(block.lang)) {
        return yield* new CheckpointNotShell({ file, line: block.line, lang: block.lang });
      }
      const phase = phaseOf(file, block, headings);
      if (phase === undefined) return yield* new CheckpointWithoutPhase({ file, line: block.line });
      result.push({ block, phase });
    }
    return result;
  });

/** Every checkpoint command of a markdown file, with its phase. */
export const parse = (
  file: string,
  text: string,
): Effect.Effect<ReadonlyArray<Checkpoint>, CheckpointWithoutPhase | CheckpointNotShell> =>
  Effect.map(blocks(file, text), (found) =>
    found.flatMap(({ block, phase }) =>
      commands(block.content).map(({ offset, command }) => ({ file, line: block.line + 1 + offset, phase, command })),
    ),
  );

/** The marker of a line the template left for the author to replace. */
export const PLACEHOLDER = "TODO";

/** Lines of checkpoint blocks, comments included, that still hold the template's `TODO`. */
export const placeholders = (
  file: string,
  text: string,
): Effect.Effect<
  ReadonlyArray<{ readonly line: number; readonly phase: string }>,
  CheckpointWithoutPhase | CheckpointNotShell
> =>
  Effect.map(blocks(file, text), (found) =>
    found.flatMap(({ block, phase }) =>
      block.content
        .split("\n")
        .flatMap((raw, offset) => (raw.includes(PLACEHOLDER) ? [{ line: block.line + 1 + offset, phase }] : [])),
    ),
  );
