import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as Markdown from "./Markdown.ts";

export interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

const SKIPPED_DIRS = new Set(["node_modules", "dist", "coverage"]);

const walk = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith(".") || SKIPPED_DIRS.has(entry.name)) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });

/** The documents whose links must resolve: README.md and AGENTS.md files, and everything under docs/ and specs/. */
export const documents = (repoRoot: string): ReadonlyArray<string> =>
  walk(repoRoot)
    .filter((path) => {
      const file = relative(repoRoot, path);
      const name = file.split("/").at(-1) ?? "";
      if (name === "README.md" || name === "AGENTS.md") return true;
      return file.endsWith(".md") && (file.startsWith("docs/") || file.startsWith("specs/"));
    })
    .sort();

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Every relative link of `file` whose target (and `#anchor`, if any) does not exist. */
export const check = (repoRoot: string, file: string): ReadonlyArray<BrokenLink> => {
  const text = readFileSync(file, "utf8");
  const shown = relative(repoRoot, file);
  return Markdown.links(text).flatMap(({ target, line }): ReadonlyArray<BrokenLink> => {
    if (SCHEME.test(target)) return [];
    const hash = target.indexOf("#");
    const pathPart = decodeURI(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved =
      pathPart === "" ? file : pathPart.startsWith("/") ? join(repoRoot, pathPart) : resolve(dirname(file), pathPart);
    if (!existsSync(resolved)) return [{ file: shown, line, target, reason: "no such file" }];
    if (anchor === undefined || anchor === "") return [];
    if (statSync(resolved).isDirectory() || !resolved.endsWith(".md")) {
      return [{ file: shown, line, target, reason: "an anchor into something that is not a markdown file" }];
    }
    const known = Markdown.anchors(resolved === file ? text : readFileSync(resolved, "utf8"));
    return known.has(anchor) ? [] : [{ file: shown, line, target, reason: `no heading with anchor #${anchor}` }];
  });
};

export const checkAll = (repoRoot: string): ReadonlyArray<BrokenLink> =>
  documents(repoRoot).flatMap((file) => check(repoRoot, file));
