import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, assert, describe, it } from "@effect/vitest";
import { Slices } from "../src/index.ts";

const scratch = mkdtempSync(join(tmpdir(), "beep-slices-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const writeJson = (path: string, value: unknown) => {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
};

/** A workspace with two slices that export `./schema`, one tables package that does not, and db-admin. */
const workspace = () => {
  const root = mkdtempSync(join(scratch, "root-"));
  const tables = (slice: string, exports: Record<string, string>) =>
    writeJson(join(root, "packages", slice, "tables", "package.json"), { name: `@beep/${slice}-tables`, exports });
  tables("shared", { ".": "./src/index.ts", "./schema": "./src/tables/index.ts" });
  tables("billing", { ".": "./src/index.ts", "./schema": "./src/schema.ts" });
  tables("drafts", { ".": "./src/index.ts" });
  writeJson(join(root, "packages", "_internal", "db-admin", "package.json"), {
    name: "@beep/db-admin",
    dependencies: { "@beep/gone-tables": "workspace:*", "@beep/shared-tables": "workspace:*", effect: "catalog:" },
  });
  mkdirSync(join(root, "packages", "_internal", "db-admin", "src"));
  return root;
};

describe("Slices", () => {
  it("the committed schema entry and db-admin's dependencies match the workspace", () => {
    const stale = Slices.stale();
    assert.deepStrictEqual(stale, [], `out of date with the workspace: run \`${Slices.SYNC_COMMAND}\``);
    // No list to keep: the slices found include today's, and any slice added later.
    assert.includeMembers(
      Slices.discover().map((slice) => slice.packageName),
      ["@beep/documents-tables", "@beep/iam-tables", "@beep/shared-tables"],
    );
  });

  it("discovers every packages/*/tables that exports ./schema, and sync writes the schema entry and dependencies once", () => {
    const root = workspace();
    assert.deepStrictEqual(
      Slices.discover(root).map((slice) => slice.packageName),
      ["@beep/billing-tables", "@beep/shared-tables"],
    );
    const dir = join(root, "packages", "_internal", "db-admin");
    assert.deepStrictEqual(Slices.stale(root), [join(dir, "src", "schema.ts"), join(dir, "package.json")]);
    assert.deepStrictEqual(Slices.sync(root), [join(dir, "src", "schema.ts"), join(dir, "package.json")]);
    const schema = readFileSync(join(dir, "src", "schema.ts"), "utf8");
    assert.include(schema, "do not edit");
    assert.include(schema, 'export * from "@beep/billing-tables/schema";\nexport * from "@beep/shared-tables/schema";');
    // A tables package that left the workspace leaves the dependencies; other dependencies stay.
    assert.deepStrictEqual(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).dependencies, {
      "@beep/billing-tables": "workspace:*",
      "@beep/shared-tables": "workspace:*",
      effect: "catalog:",
    });
    assert.deepStrictEqual(Slices.sync(root), []);
    assert.deepStrictEqual(Slices.stale(root), []);
  });
});
