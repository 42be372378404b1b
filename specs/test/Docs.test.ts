import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { afterAll } from "vitest";
import { DocLinks, GuideCode } from "../src/index.ts";

const SPECS_DIR = fileURLToPath(new URL("..", import.meta.url));
const REPO_ROOT = join(SPECS_DIR, "..");

// Blocks are compiled inside the specs package, so that the workspace packages it depends on resolve.
const workDir = mkdtempSync(join(SPECS_DIR, ".guide-blocks-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("relative links", () => {
  it("every relative link of README.md, AGENTS.md, docs/ and specs/ resolves, anchors included", () => {
    const documents = DocLinks.documents(REPO_ROOT);
    assert.includeMembers(
      documents.map((file) => file.slice(REPO_ROOT.length + 1)),
      ["README.md", "AGENTS.md", "docs/rls.md", "specs/orgtable-auto-rls/README.md"],
    );
    const broken = DocLinks.checkAll(REPO_ROOT).map(
      (link) => `${link.file}:${link.line} ${link.target}: ${link.reason}`,
    );
    assert.deepStrictEqual(broken, []);
  });

  it("reports a missing file and a missing anchor", () => {
    const dir = join(workDir, "links");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "a.md"),
      "# Title\n\n[ok](a.md#title) [gone](b.md) [no anchor](a.md#nope) [web](https://x.y)\n",
    );
    assert.deepStrictEqual(
      DocLinks.check(dir, join(dir, "a.md")).map((link) => [link.target, link.reason]),
      [
        ["b.md", "no such file"],
        ["a.md#nope", "no heading with anchor #nope"],
      ],
    );
  });
});

describe("AGENTS.md code blocks", () => {
  const blocks = GuideCode.find(REPO_ROOT);

  it.effect(
    "every AGENTS.md has at least one block, and every block is a complete module that type-checks",
    () =>
      Effect.gen(function* () {
        const guides = new Set(blocks.map((block) => block.guide));
        for (const guide of GuideCode.guides(REPO_ROOT))
          assert.isTrue(guides.has(guide.slice(REPO_ROOT.length + 1)), guide);
        const dir = join(workDir, "all");
        mkdirSync(dir);
        const written = GuideCode.write(blocks, dir);
        const diagnostics = yield* GuideCode.typeCheck(dir, written);
        assert.deepStrictEqual(diagnostics.map(GuideCode.format), []);
        // Blocks not marked compile-only are also loaded, so a factory that refuses a recipe fails here.
        for (const block of written.filter((b) => b.run)) {
          yield* Effect.tryPromise({
            try: () => import(block.path),
            catch: (error) => new Error(`${block.guide}:${block.line}: ${String(error)}`),
          });
        }
      }),
    // One type-check of every block against the whole workspace: seconds alone, minutes beside CI's other suites.
    { timeout: 240_000 },
  );

  it.effect("a broken block fails, named by its AGENTS.md file and line", () =>
    Effect.gen(function* () {
      const dir = join(workDir, "broken");
      mkdirSync(dir);
      const text = [
        "# Guide",
        "",
        "```ts",
        'import { OrgTable } from "@beep/shared-tables";',
        "",
        "export const x: number = OrgTable.metadata;",
        "```",
      ].join("\n");
      const written = GuideCode.write(GuideCode.blocksOf("packages/example/AGENTS.md", text), dir);
      const diagnostics = yield* GuideCode.typeCheck(dir, written);
      assert.lengthOf(diagnostics, 1);
      assert.match(
        GuideCode.format(diagnostics[0] ?? { guide: "", line: 0, column: 0, message: "" }),
        /^packages\/example\/AGENTS\.md:6:14 error TS2322/,
      );
    }),
  );
});
