import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
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
      const spec = yield* Verify.load(root, "audit-log", root);
      assert.deepStrictEqual([...spec.statuses.values()], ["planned", "planned"]);
      assert.deepStrictEqual([...new Set(spec.checkpoints.map((c) => c.phase))], ["P0", "P1"]);
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
      assert.deepStrictEqual(readdirSync(root).sort(), ["_template", "audit-log"]);
    }),
  );

  it("bun run spec:new: creates a spec, and refuses bad input with a clear message", () => {
    const created = runScript("billing-export");
    assert.strictEqual(created.status, 0, created.stderr);
    assert.include(created.stdout, "billing-export");
    assert.isTrue(existsSync(join(root, "billing-export", "handoffs", "HANDOFF_P1.md")));

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
