import { camel, pascal } from "./Names.ts";

/** How a table is isolated: `OrgTable.make`'s `rlsPolicy`, with the reason an opt-out requires. */
export type Mode =
  | { readonly rlsPolicy: "standard" }
  | { readonly rlsPolicy: "nullable" }
  | { readonly rlsPolicy: "none"; readonly reason: string };

export const MODES = ["standard", "nullable", "none"] as const;

/** The table every new slice starts with. */
export const EXAMPLE_ENTITY = "item";

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export const packageJson = (slice: string) =>
  json({
    name: `@beep/${slice}-tables`,
    version: "0.0.0",
    private: true,
    type: "module",
    exports: { ".": "./src/index.ts", "./schema": "./src/schema.ts" },
    scripts: { check: "tsc --noEmit", test: "vitest run" },
    dependencies: {
      "@beep/shared-domain": "workspace:*",
      "@beep/shared-tables": "workspace:*",
      "drizzle-orm": "catalog:",
    },
    devDependencies: {
      "@beep/testkit": "workspace:*",
      "@beep/tsconfig": "workspace:*",
      "@effect/vitest": "catalog:",
      "@types/node": "catalog:",
      typescript: "catalog:",
      vitest: "catalog:",
    },
  });

// Written as Biome prints it (a short array on one line).
export const tsconfig = () =>
  ["{", '  "extends": "@beep/tsconfig/base.json",', '  "include": ["src", "test", "*.ts"]', "}", ""].join("\n");

export const vitestConfig = () =>
  ['import { beepTestConfig } from "@beep/testkit/vitest";', "", "export default beepTestConfig();", ""].join("\n");

export const idsModule = (slice: string) => `${pascal(slice)}EntityIds`;

export const index = (slice: string) =>
  [
    `export * as ${idsModule(slice)} from "./${idsModule(slice)}.ts";`,
    `export * as ${pascal(slice)}Tables from "./tables/index.ts";`,
    "",
  ].join("\n");

/** What db-admin's schema entry re-exports (`./schema`): the tables only. */
export const schema = () => 'export * from "./tables/index.ts";\n';

export const idsHeader = () => 'import { EntityId } from "@beep/shared-domain";\n';

/** One id: appended to the slice's ids module by `table:new`. */
export const idLines = (tableName: string, entity: string) => {
  const id = `${pascal(entity)}Id`;
  return `\nexport const ${id} = EntityId.make("${tableName}");\nexport type ${id} = EntityId.Type<typeof ${id}>;\n`;
};

const modeOptions = (mode: Mode) => {
  switch (mode.rlsPolicy) {
    case "standard":
      return "";
    case "nullable":
      return ', { rlsPolicy: "nullable" }';
    case "none":
      return `, { rlsPolicy: "none", reason: ${JSON.stringify(mode.reason)} }`;
  }
};

const modeComment = (mode: Mode) => {
  switch (mode.rlsPolicy) {
    case "standard":
      return "each row belongs to one organization; RLS shows it to that organization only";
    case "nullable":
      return "rows of one organization, plus shared rows (of the shared organization) every tenant reads";
    case "none":
      return "no row-level security (see the reason); beep_app gets no grant on it";
  }
};

export const table = (slice: string, entity: string, mode: Mode) =>
  [
    'import { OrgTable } from "@beep/shared-tables";',
    'import { text } from "drizzle-orm/pg-core";',
    `import { ${pascal(entity)}Id } from "../${idsModule(slice)}.ts";`,
    "",
    `/** A ${mode.rlsPolicy} tenant table: ${modeComment(mode)}. */`,
    `export const ${camel(entity)} = OrgTable.make(${pascal(entity)}Id${modeOptions(mode)})({`,
    '  name: text("name").notNull(),',
    "});",
    "",
  ].join("\n");

/** The tables' index: one export per module of `src/tables/` (named like its table constant), sorted. */
export const tablesIndex = (modules: ReadonlyArray<string>) =>
  [...modules]
    .map((module) => `export { ${module} } from "./${module}.ts";`)
    .sort()
    .join("\n")
    .concat("\n");

/**
 * `index` with `export { module } from "./module.ts";` before the first export of a later source; the other
 * exports (constants and types beside a table, as in `iam` and `documents`) stay as written.
 */
export const withTableExport = (index: string, module: string) => {
  const statements = index
    .split(/(?<=;)\n/)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== "");
  const line = `export { ${module} } from "./${module}.ts";`;
  const source = (statement: string) => /from "([^"]+)";$/.exec(statement)?.[1] ?? "";
  const at = statements.findIndex((statement) => source(statement) > source(line));
  const next = at === -1 ? [...statements, line] : [...statements.slice(0, at), line, ...statements.slice(at)];
  return `${next.join("\n")}\n`;
};

export const test = (slice: string, exampleTable: string) =>
  [
    'import { TableShape } from "@beep/shared-tables";',
    'import { assert, describe, it } from "@effect/vitest";',
    'import { is } from "drizzle-orm";',
    'import { PgTable } from "drizzle-orm/pg-core";',
    `import { ${pascal(slice)}Tables } from "../src/index.ts";`,
    "",
    `describe("${slice} tables", () => {`,
    `  it("${exampleTable}: a standard tenant table with the factory's keys and policies", () => {`,
    `    assert.deepStrictEqual(TableShape.of(${pascal(slice)}Tables.${camel(EXAMPLE_ENTITY)}), {`,
    `      ...TableShape.standardTenant("${exampleTable}"),`,
    "      uniques: [],",
    "      foreignKeys: [TableShape.ORGANIZATION_FOREIGN_KEY],",
    "    });",
    "  });",
    "",
    `  it("every table is named <slice>_<entity> and has no hand-written policy", () => {`,
    `    const tables = Object.values(${pascal(slice)}Tables).filter((value) => is(value, PgTable));`,
    "    assert.isAbove(tables.length, 0);",
    "    for (const table of tables) {",
    "      const shape = TableShape.of(table);",
    `      assert.match(shape.name, /^${slice}_/);`,
    '      assert(shape.rlsPolicy !== "global", "every table is made by OrgTable.make");',
    "      assert.deepStrictEqual(shape.policies, TableShape.expectedTenantPolicies(shape.name, shape.rlsPolicy));",
    "    }",
    "  });",
    "});",
    "",
  ].join("\n");

export const agents = (slice: string) =>
  [
    `# @beep/${slice}-tables`,
    "",
    `The ${slice} slice's tables. Made by \`bun run slice:new ${slice}\`; db-admin's schema entry, the table registry,`,
    "`db:generate` and the isolation matrix find it in the workspace (`bun run slices:sync`), with no list to edit.",
    "",
    "## Surface",
    "",
    "| export | what |",
    "| --- | --- |",
    `| \`${pascal(slice)}Tables\` (and \`@beep/${slice}-tables/schema\`) | every table of \`src/tables/\` |`,
    `| \`${idsModule(slice)}\` | the id of each table (\`EntityId.make("${slice}_<entity>")\`) |`,
    "",
    "## Adding a table",
    "",
    `\`bun run table:new ${slice} <entity> [--mode standard|nullable|none] [--reason "<why no RLS>"]\` writes`,
    `\`src/tables/<entity>.ts\`, its id in \`src/${idsModule(slice)}.ts\` and its export; then \`bun run db:generate\`.`,
    "`--mode none` is refused without `--reason`. A table with grants (`OrgTable.roles`) needs its row in",
    "`packages/shared/server/test/RoleMatrix.test.ts`.",
    "",
    `What \`bun run table:new ${slice} invoice\` writes, the id and the table in one module:`,
    "",
    "```ts",
    'import { EntityId } from "@beep/shared-domain";',
    'import { OrgTable } from "@beep/shared-tables";',
    'import { text } from "drizzle-orm/pg-core";',
    "",
    `export const InvoiceId = EntityId.make("${slice}_invoice");`,
    "",
    "export const invoice = OrgTable.make(InvoiceId)({",
    '  name: text("name").notNull(),',
    "});",
    "```",
    "",
    `Verify: \`bun run test --filter @beep/${slice}-tables\`, then \`bun run db:migrate && bun run db:verify\`.`,
    "",
  ].join("\n");
