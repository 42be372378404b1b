import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (db-admin lives in `packages/_internal/db-admin`). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

/** The command that rewrites what discovery decides; named by the staleness check. */
export const SYNC_COMMAND = "bun run slices:sync";

/** A slice's tables package: it exports `./schema`, the module drizzle-kit and the registry read. */
export interface Slice {
  readonly packageName: string;
  readonly dir: string;
}

const readJson = (path: string): Record<string, any> => JSON.parse(readFileSync(path, "utf8"));

/** Every `packages/<slice>/tables` package whose `exports` has `./schema`, sorted by package name. */
export const discover = (root: string = ROOT): ReadonlyArray<Slice> =>
  readdirSync(join(root, "packages"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, "packages", entry.name, "tables"))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .flatMap((dir) => {
      const manifest = readJson(join(dir, "package.json"));
      const exported =
        typeof manifest.exports === "object" && manifest.exports !== null && "./schema" in manifest.exports;
      return exported ? [{ packageName: String(manifest.name), dir }] : [];
    })
    .sort((a, b) => a.packageName.localeCompare(b.packageName));

/** The generated `src/schema.ts`: one re-export per slice. */
export const renderSchema = (slices: ReadonlyArray<Slice>): string =>
  [
    `// Written by \`${SYNC_COMMAND}\` from the workspace's packages/*/tables: do not edit.`,
    "/** Every table of the product: what drizzle-kit diffs against and what audits compare with. */",
    ...slices.map((slice) => `export * from "${slice.packageName}/schema";`),
    "",
  ].join("\n");

const isTablesPackage = (name: string) => name.startsWith("@beep/") && name.endsWith("-tables");

/** db-admin's manifest with exactly the discovered tables packages among its dependencies (sorted). */
export const renderManifest = (manifestText: string, slices: ReadonlyArray<Slice>): string => {
  const manifest = JSON.parse(manifestText) as Record<string, any>;
  const kept = Object.entries((manifest.dependencies ?? {}) as Record<string, string>).filter(
    ([name]) => !isTablesPackage(name),
  );
  const tables = slices.map((slice) => [slice.packageName, "workspace:*"] as const);
  manifest.dependencies = Object.fromEntries([...kept, ...tables].sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify(manifest, null, 2)}\n`;
};

/** A file the sync owns, with what it holds and what it should hold. */
export interface Target {
  readonly path: string;
  readonly current: string;
  readonly desired: string;
}

export const targets = (root: string = ROOT): ReadonlyArray<Target> => {
  const slices = discover(root);
  const dir = join(root, "packages", "_internal", "db-admin");
  const schemaPath = join(dir, "src", "schema.ts");
  const manifestPath = join(dir, "package.json");
  const schema = existsSync(schemaPath) ? readFileSync(schemaPath, "utf8") : "";
  const manifest = readFileSync(manifestPath, "utf8");
  return [
    { path: schemaPath, current: schema, desired: renderSchema(slices) },
    { path: manifestPath, current: manifest, desired: renderManifest(manifest, slices) },
  ];
};

/** The files that differ from what the workspace implies (empty when up to date). */
export const stale = (root: string = ROOT): ReadonlyArray<string> =>
  targets(root)
    .filter((target) => target.current !== target.desired)
    .map((target) => target.path);

/** Writes the stale files; returns their paths. */
export const sync = (root: string = ROOT): ReadonlyArray<string> =>
  targets(root).flatMap((target) => {
    if (target.current === target.desired) return [];
    writeFileSync(target.path, target.desired);
    return [target.path];
  });
