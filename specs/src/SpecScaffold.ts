import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect } from "effect";
import { FileSystemError, InvalidSpecName, SpecAlreadyExists, SpecIndexTableMissing } from "./SpecErrors.ts";

export const TEMPLATE_DIR = "_template";

/** Replaced in every file of the template by the new spec's name. */
export const NAME_TOKEN = "{{name}}";

/** The specs index: its `| spec | goal |` table lists every spec. */
export const INDEX = "README.md";

/** The goal `spec:new` writes into the index; `specs:verify` refuses it (it holds `TODO`) until it is filled. */
export const INDEX_GOAL_PLACEHOLDER = "TODO — one line: what is true when this spec is done";

const KEBAB_CASE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Folders of the specs package itself; a spec may not take their names. */
const RESERVED = new Set(["node_modules", "scripts", "src", "test"]);

export const validateName = (name: string): Effect.Effect<string, InvalidSpecName> => {
  if (!KEBAB_CASE.test(name)) {
    return Effect.fail(
      new InvalidSpecName({
        name,
        reason: "use kebab-case: lowercase letters and digits joined by '-', e.g. audit-log",
      }),
    );
  }
  if (RESERVED.has(name)) {
    return Effect.fail(new InvalidSpecName({ name, reason: "the name belongs to the specs package itself" }));
  }
  if (name.length > 60) return Effect.fail(new InvalidSpecName({ name, reason: "longer than 60 characters" }));
  return Effect.succeed(name);
};

const isRow = (line: string) => line.trim().startsWith("|");

/** The index with a row for `name` appended to its `| spec | goal |` table. */
export const indexWithRow = (
  file: string,
  text: string,
  name: string,
): Effect.Effect<string, SpecIndexTableMissing> => {
  const lines = text.split("\n");
  const header = lines.findIndex((line, index) => {
    const names = line.split("|").map((cell) => cell.trim().toLowerCase());
    return isRow(line) && names.includes("spec") && names.includes("goal") && isRow(lines[index + 1] ?? "");
  });
  if (header === -1) return Effect.fail(new SpecIndexTableMissing({ file }));
  let end = header + 2;
  while (end < lines.length && isRow(lines[end] ?? "")) end++;
  const row = `| [${name}](${name}/README.md) | ${INDEX_GOAL_PLACEHOLDER} |`;
  return Effect.succeed([...lines.slice(0, end), row, ...lines.slice(end)].join("\n"));
};

const files = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );

/**
 * Copies `<specsDir>/_template` to `<specsDir>/<name>`, with `{{name}}` filled in, and adds the spec to the
 * index (`<specsDir>/README.md`). The copy is built beside the target and renamed into place, and the index is
 * read before anything is written, so a failure leaves nothing behind.
 */
export const create = (
  specsDir: string,
  name: string,
): Effect.Effect<string, InvalidSpecName | SpecAlreadyExists | SpecIndexTableMissing | FileSystemError> =>
  Effect.gen(function* () {
    yield* validateName(name);
    const target = join(specsDir, name);
    if (existsSync(target)) return yield* new SpecAlreadyExists({ path: target });
    const template = join(specsDir, TEMPLATE_DIR);
    if (!existsSync(template)) {
      return yield* new FileSystemError({ path: template, cause: new Error("the spec template is missing") });
    }
    const indexPath = join(specsDir, INDEX);
    const index = yield* Effect.try({
      try: () => readFileSync(indexPath, "utf8"),
      catch: (cause) => new FileSystemError({ path: indexPath, cause }),
    });
    const indexed = yield* indexWithRow(indexPath, index, name);
    const staging = join(specsDir, `.${name}.${process.pid}.partial`);
    yield* Effect.try({
      try: () => {
        cpSync(template, staging, { recursive: true, errorOnExist: true });
        for (const file of files(staging)) {
          const text = readFileSync(file, "utf8");
          if (text.includes(NAME_TOKEN)) writeFileSync(file, text.replaceAll(NAME_TOKEN, name));
        }
        renameSync(staging, target);
        try {
          writeFileSync(indexPath, indexed);
        } catch (cause) {
          rmSync(target, { recursive: true, force: true });
          throw cause;
        }
      },
      catch: (cause) => new FileSystemError({ path: target, cause }),
    }).pipe(Effect.ensuring(Effect.sync(() => rmSync(staging, { recursive: true, force: true }))));
    return target;
  });
