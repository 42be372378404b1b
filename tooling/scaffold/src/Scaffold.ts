import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Effect } from "effect";
import { camel, pascal, snakeCase, tableName } from "./Names.ts";
import { AlreadyExists, BadArguments, type ScaffoldError, UnknownSlice } from "./ScaffoldErrors.ts";
import * as Templates from "./Templates.ts";

/** A file to write: every check runs before the first write, so a refusal leaves the tree as it was. */
interface Planned {
  readonly path: string;
  readonly text: string;
}

const writeAll = (planned: ReadonlyArray<Planned>) =>
  Effect.sync(() => {
    for (const file of planned) {
      mkdirSync(dirname(file.path), { recursive: true });
      writeFileSync(file.path, file.text);
    }
    return planned.map((file) => file.path);
  });

export const sliceDir = (root: string, slice: string) => join(root, "packages", slice, "tables");

/** `slice:new`: `packages/<slice>/tables` with its ids, one example table, a test and AGENTS.md. */
export const newSlice = (root: string, slice: string): Effect.Effect<ReadonlyArray<string>, ScaffoldError> =>
  Effect.gen(function* () {
    const example = yield* tableName(slice, Templates.EXAMPLE_ENTITY);
    const packageDir = join(root, "packages", slice);
    if (existsSync(packageDir)) return yield* new AlreadyExists({ what: `slice "${slice}"`, path: packageDir });
    const dir = sliceDir(root, slice);
    const entity = Templates.EXAMPLE_ENTITY;
    return yield* writeAll([
      { path: join(dir, "package.json"), text: Templates.packageJson(slice) },
      { path: join(dir, "tsconfig.json"), text: Templates.tsconfig() },
      { path: join(dir, "vitest.config.ts"), text: Templates.vitestConfig() },
      { path: join(dir, "AGENTS.md"), text: Templates.agents(slice) },
      { path: join(dir, "src", "index.ts"), text: Templates.index(slice) },
      { path: join(dir, "src", "schema.ts"), text: Templates.schema() },
      {
        path: join(dir, "src", `${Templates.idsModule(slice)}.ts`),
        text: Templates.idsHeader() + Templates.idLines(example, entity),
      },
      {
        path: join(dir, "src", "tables", `${camel(entity)}.ts`),
        text: Templates.table(slice, entity, { rlsPolicy: "standard" }),
      },
      { path: join(dir, "src", "tables", "index.ts"), text: Templates.tablesIndex([camel(entity)]) },
      { path: join(dir, "test", `${pascal(slice)}Tables.test.ts`), text: Templates.test(slice, example) },
    ]);
  });

/** `--mode` and `--reason` as one `Mode`: `none` needs a reason, the others refuse one. */
export const parseMode = (
  mode: string | undefined,
  reason: string | undefined,
): Effect.Effect<Templates.Mode, BadArguments> => {
  const given = mode ?? "standard";
  const trimmed = reason?.trim();
  if (given === "none") {
    return trimmed === undefined || trimmed === ""
      ? Effect.fail(new BadArguments({ detail: '--mode none needs --reason "<why this table has no RLS>"' }))
      : Effect.succeed({ rlsPolicy: "none", reason: trimmed });
  }
  if (given !== "standard" && given !== "nullable") {
    return Effect.fail(new BadArguments({ detail: `--mode ${given}: expected one of ${Templates.MODES.join(", ")}` }));
  }
  return reason === undefined
    ? Effect.succeed({ rlsPolicy: given })
    : Effect.fail(new BadArguments({ detail: `--reason belongs to --mode none; a ${given} table is isolated by RLS` }));
};

/**
 * What makes `packages/<slice>/tables` a slice `table:new` can extend, whichever way `./schema` reaches the tables
 * (`src/schema.ts` in a slice made by `slice:new`, `src/tables/index.ts` in `iam` and `documents`).
 */
const sliceFiles = (dir: string, slice: string) => ({
  manifest: join(dir, "package.json"),
  ids: join(dir, "src", `${Templates.idsModule(slice)}.ts`),
  tablesIndex: join(dir, "src", "tables", "index.ts"),
});

const exportsSchema = (manifestPath: string) => {
  const exports = JSON.parse(readFileSync(manifestPath, "utf8")).exports;
  return typeof exports === "object" && exports !== null && "./schema" in exports;
};

/** `table:new`: `src/tables/<entity>.ts`, its id in `src/<Slice>EntityIds.ts` and its export in `src/tables/index.ts`. */
export const newTable = (
  root: string,
  slice: string,
  entity: string,
  mode: Templates.Mode,
): Effect.Effect<ReadonlyArray<string>, ScaffoldError> =>
  Effect.gen(function* () {
    yield* snakeCase(slice);
    const name = yield* tableName(slice, entity);
    const dir = sliceDir(root, slice);
    const files = sliceFiles(dir, slice);
    for (const path of [files.manifest, files.ids, files.tablesIndex]) {
      if (!existsSync(path)) return yield* new UnknownSlice({ slice, expected: path });
    }
    // db-admin discovers a slice by this export: a table outside it would never reach db:generate.
    if (!exportsSchema(files.manifest)) {
      return yield* new UnknownSlice({ slice, expected: `"./schema" in the exports of ${files.manifest}` });
    }
    const idsPath = files.ids;
    const tablePath = join(dir, "src", "tables", `${camel(entity)}.ts`);
    if (existsSync(tablePath)) return yield* new AlreadyExists({ what: `table "${name}"`, path: tablePath });
    const ids = readFileSync(idsPath, "utf8");
    if (new RegExp(`export const ${pascal(entity)}Id\\b`).test(ids)) {
      return yield* new AlreadyExists({ what: `id ${pascal(entity)}Id`, path: idsPath });
    }
    const index = readFileSync(files.tablesIndex, "utf8");
    return yield* writeAll([
      { path: tablePath, text: Templates.table(slice, entity, mode) },
      { path: idsPath, text: ids + Templates.idLines(name, entity) },
      { path: files.tablesIndex, text: Templates.withTableExport(index, camel(entity)) },
    ]);
  });
