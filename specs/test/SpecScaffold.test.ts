import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { afterAll } from "vitest";
import { SpecErrors, SpecScaffold, Verify } from "../src/index.ts";

const SPECS_DIR = fileURLToPath(new URL("..", import.meta.url));
const SCRIPT = join(SPECS_DIR, "scripts", "new.ts");

// A copy of the real template in a throwaway specs folder: the tests never write into the repo.
const root = mkdtempSync(join(tmpdir(), "beep-spec-new-"));
cpSync(join(SPECS_DIR, SpecScaffold.TEMPLATE_DIR), join(root, SpecScaffold.TEMPLATE_DIR), { recursive: true });
const INDEX = [
  "# specs",
  "",
  "| spec | goal |",
  "| --- | --- |",
  "| [orders](orders/README.md) | orders |",
  "",
  "## A spec",
  "",
].join("\n");
writeFileSync(join(root, SpecScaffold.INDEX), INDEX);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const runScript = (...args: Array<string>) =>
  spawnSync("bun", [SCRIPT, ...args], { env: { ...process.env, BEEP_SPECS_DIR: root }, encoding: "utf8" });

describe("SpecScaffold", () => {
  it.effect("copies the template, names it, and the result is a spec the verifier can read", () =>
    Effect.gen(function* () {
      const target = yield* SpecScaffold.create(root, "audit-log");
      assert.strictEqual(target, join(root, "audit-log"));
      assert.deepStrictEqual(
        readdirSync(target).sort(),
        ["MASTER_ORCHESTRATION.md", "README.md", "REFLECTION_LOG.md", "handoffs", "outputs", "templates"].sort(),
      );
      const readme = readFileSync(join(target, "README.md"), "utf8");
      assert.match(readme, /^# audit-log$/m);
      assert.notInclude(readme, SpecScaffold.NAME_TOKEN);
      // Indexed, with a goal the verifier refuses until someone writes one.
      const index = readFileSync(join(root, SpecScaffold.INDEX), "utf8");
      assert.include(
        index,
        `| [orders](orders/README.md) | orders |\n| [audit-log](audit-log/README.md) | ${SpecScaffold.INDEX_GOAL_PLACEHOLDER} |\n\n## A spec`,
      );
      // A fresh spec is all template: the verifier refuses it, first for its goal.
      const unfilled = yield* Effect.flip(Verify.load(root, "audit-log", root));
      assert.instanceOf(unfilled, SpecErrors.TemplatePlaceholder);
      assert.include(unfilled.message, "audit-log/README.md:3: audit-log: the goal");
      // With the README filled in, the index's goal is the next placeholder refused.
      writeFileSync(join(target, "README.md"), readme.replaceAll("TODO", "done"));
      const unindexed = yield* Effect.flip(Verify.load(root, "audit-log", root));
      assert.instanceOf(unindexed, SpecErrors.TemplatePlaceholder);
      assert.include(unindexed.message, "audit-log: the goal in the specs index");
      writeFileSync(join(target, "README.md"), readme);
    }),
  );

  it.effect("refuses an existing spec and changes nothing", () =>
    Effect.gen(function* () {
      const before = readFileSync(join(root, "audit-log", "README.md"), "utf8");
      const error = yield* Effect.flip(SpecScaffold.create(root, "audit-log"));
      assert.instanceOf(error, SpecErrors.SpecAlreadyExists);
      assert.strictEqual(readFileSync(join(root, "audit-log", "README.md"), "utf8"), before);
    }),
  );

  it.effect("refuses to create a spec the index cannot list, and changes nothing", () =>
    Effect.gen(function* () {
      const bare = mkdtempSync(join(tmpdir(), "beep-spec-new-bare-"));
      try {
        cpSync(join(SPECS_DIR, SpecScaffold.TEMPLATE_DIR), join(bare, SpecScaffold.TEMPLATE_DIR), { recursive: true });
        writeFileSync(join(bare, SpecScaffold.INDEX), "# specs\n\nNo table yet.\n");
        const error = yield* Effect.flip(SpecScaffold.create(bare, "audit-log"));
        assert.instanceOf(error, SpecErrors.SpecIndexTableMissing);
        assert.deepStrictEqual(readdirSync(bare).sort(), [SpecScaffold.INDEX, SpecScaffold.TEMPLATE_DIR].sort());
        assert.strictEqual(readFileSync(join(bare, SpecScaffold.INDEX), "utf8"), "# specs\n\nNo table yet.\n");
      } finally {
        rmSync(bare, { recursive: true, force: true });
      }
    }),
  );

  it.effect("refuses names that are not kebab-case, and the package's own folder names", () =>
    Effect.gen(function* () {
      for (const name of [
        "AuditLog",
        "audit_log",
        "audit--log",
        "-audit",
        "audit-",
        "9lives",
        "",
        "../escape",
        "src",
      ]) {
        const error = yield* Effect.flip(SpecScaffold.create(root, name));
        assert.instanceOf(error, SpecErrors.InvalidSpecName, name);
      }
      assert.isFalse(existsSync(join(root, "AuditLog")));
      assert.deepStrictEqual(readdirSync(root).sort(), [SpecScaffold.INDEX, "_template", "audit-log"].sort());
    }),
  );

  it("bun run spec:new: creates a spec, and refuses bad input with a clear message", () => {
    const created = runScript("billing-export");
    assert.strictEqual(created.status, 0, created.stderr);
    assert.include(created.stdout, "billing-export");
    assert.isTrue(existsSync(join(root, "billing-export", "handoffs", "HANDOFF_P1.md")));

    assert.include(
      readFileSync(join(root, SpecScaffold.INDEX), "utf8"),
      "| [billing-export](billing-export/README.md) |",
    );

    const again = runScript("billing-export");
    assert.strictEqual(again.status, 1);
    assert.include(again.stderr, "A spec already exists at");

    const bad = runScript("Billing_Export");
    assert.strictEqual(bad.status, 1);
    assert.include(bad.stderr, 'Invalid spec name "Billing_Export": use kebab-case');

    const missing = runScript();
    assert.strictEqual(missing.status, 1);
    assert.include(missing.stderr, "usage: bun run spec:new <kebab-case-name>");
  });
});
