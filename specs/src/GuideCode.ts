import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { Effect } from "effect";
import * as Markdown from "./Markdown.ts";

/** A ```` ```ts ```` block of an AGENTS.md: a complete module, compiled against the workspace packages. */
export interface GuideBlock {
  /** The AGENTS.md, relative to the repo root. */
  readonly guide: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly content: string;
  /** False for ```` ```ts compile-only ````: type-checked, not imported (tests, scripts with side effects). */
  readonly run: boolean;
}

export interface WrittenBlock extends GuideBlock {
  readonly path: string;
}

export interface Diagnostic {
  readonly guide: string;
  /** The line in the AGENTS.md. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

const SKIPPED_DIRS = new Set(["node_modules", "dist", "coverage"]);

/** Every AGENTS.md of the repo, dot folders and installed packages left out. */
export const guides = (repoRoot: string): ReadonlyArray<string> => {
  const walk = (dir: string): ReadonlyArray<string> =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      if (entry.name.startsWith(".") || SKIPPED_DIRS.has(entry.name)) return [];
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.name === "AGENTS.md" ? [path] : [];
    });
  return [...walk(repoRoot)].sort();
};

const TS = new Set(["ts", "typescript"]);

export const blocksOf = (guide: string, text: string): ReadonlyArray<GuideBlock> =>
  Markdown.codeBlocks(text)
    .filter((block) => TS.has(block.lang))
    .map((block) => ({ guide, line: block.line, content: block.content, run: !block.words.includes("compile-only") }));

export const find = (repoRoot: string): ReadonlyArray<GuideBlock> =>
  guides(repoRoot).flatMap((path) => blocksOf(relative(repoRoot, path), readFileSync(path, "utf8")));

const moduleName = (block: GuideBlock) =>
  `${block.guide.replace(/\.md$/, "").replace(/[^A-Za-z0-9]+/g, "_")}_L${block.line}.ts`;

/** Writes each block as its own module into `dir`, with a tsconfig that extends the repo's base. */
export const write = (blocks: ReadonlyArray<GuideBlock>, dir: string): ReadonlyArray<WrittenBlock> => {
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ extends: "@beep/tsconfig/base.json", include: ["*.ts"] }, null, 2),
  );
  return blocks.map((block) => {
    const path = join(dir, moduleName(block));
    writeFileSync(path, `${block.content}\n`);
    return { ...block, path };
  });
};

const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\): (error .*)$/;

/** tsc's `file(line,col): error ...` lines, mapped back to the AGENTS.md line of each block. */
export const mapDiagnostics = (
  output: string,
  dir: string,
  written: ReadonlyArray<WrittenBlock>,
): ReadonlyArray<Diagnostic> =>
  output.split("\n").flatMap((line) => {
    const match = DIAGNOSTIC.exec(line.trim());
    if (match === null) return [];
    const [, file = "", row = "0", column = "0", message = ""] = match;
    const block = written.find((candidate) => candidate.path === join(dir, file) || candidate.path === file);
    if (block === undefined) return [{ guide: file, line: Number(row), column: Number(column), message }];
    return [{ guide: block.guide, line: block.line + Number(row), column: Number(column), message }];
  });

const tscPath = () => createRequire(import.meta.url).resolve("typescript/lib/tsc.js");

/** Type-checks the modules written into `dir` with the repo's compiler options. */
export const typeCheck = (
  dir: string,
  written: ReadonlyArray<WrittenBlock>,
): Effect.Effect<ReadonlyArray<Diagnostic>> =>
  Effect.async<ReadonlyArray<Diagnostic>>((resume) => {
    execFile(
      process.execPath,
      [tscPath(), "-p", join(dir, "tsconfig.json"), "--pretty", "false"],
      { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const diagnostics = mapDiagnostics(`${stdout}\n${stderr}`, dir, written);
        if (error !== null && diagnostics.length === 0) {
          // tsc failed without a diagnostic we understand: report what it said rather than pass.
          resume(Effect.succeed([{ guide: dir, line: 0, column: 0, message: `${stdout}${stderr}`.trim() }]));
        } else {
          resume(Effect.succeed(diagnostics));
        }
      },
    );
  });

export const format = (diagnostic: Diagnostic) =>
  `${diagnostic.guide}:${diagnostic.line}:${diagnostic.column} ${diagnostic.message}`;
