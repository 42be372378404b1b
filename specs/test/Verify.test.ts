import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "@effect/vitest";
import { Duration, Effect } from "effect";
import { afterAll } from "vitest";
import { SpecErrors, Verify } from "../src/index.ts";

// A throwaway specs folder: the runner is exercised on trivial commands, never on the real specs
// (whose checkpoints run test suites, which run this file: that would recurse).
const root = mkdtempSync(join(tmpdir(), "beep-specs-verify-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const writeSpec = (name: string, files: Record<string, string>) => {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, name, file, ".."), { recursive: true });
    writeFileSync(join(root, name, file), text);
  }
};

const README = (p1: string) =>
  `# demo\n\n| Phase | Status |\n| --- | --- |\n| P0 | complete |\n| P1 | ${p1} |\n\nSee MASTER_ORCHESTRATION.md.\n`;
const PLAN = [
  "## P0",
  "```sh checkpoint",
  "true",
  "```",
  "## P1",
  "```sh checkpoint",
  'test "$BEEP_SPECS_VERIFY" = 1 && exit 3',
  "```",
].join("\n");

const LOG = "# Reflection log\n\n## P0\n\n## P1\n";

const SCRIPT = fileURLToPath(new URL("../scripts/verify.ts", import.meta.url));

/** The environment of the script; the guard variable is dropped in case this suite itself runs inside a checkpoint. */
const scriptEnv = (extra: Record<string, string>) => {
  const { [Verify.GUARD_VARIABLE]: _guard, ...env } = process.env;
  return { ...env, BEEP_SPECS_DIR: root, ...extra };
};

const runScript = (...args: Array<string>) =>
  spawnSync("bun", [SCRIPT, ...args], { env: scriptEnv({}), encoding: "utf8" });

describe("Verify", () => {
  writeFileSync(
    join(root, "README.md"),
    "| spec | goal |\n| --- | --- |\n| [planned-fails](planned-fails/README.md) | a goal |\n| [complete-fails](complete-fails/README.md) | a goal |\n| [unlogged](unlogged/README.md) | a goal |\n",
  );
  writeSpec("planned-fails", {
    "README.md": README("planned"),
    "MASTER_ORCHESTRATION.md": PLAN,
    "REFLECTION_LOG.md": LOG,
  });
  writeSpec("complete-fails", {
    "README.md": README("complete"),
    "REFLECTION_LOG.md": LOG,
    "MASTER_ORCHESTRATION.md": PLAN,
    "handoffs/HANDOFF_P1.md": '# Handoff\n\n```sh checkpoint\ntest "$BEEP_SPECS_VERIFY" = 1 && exit 3\n```\n',
  });
  writeSpec("_template", { "README.md": README("planned"), "x.md": "## P9\n```sh checkpoint\nfalse\n```" });

  it("lists specs, leaving out the template", () => {
    assert.deepStrictEqual(Verify.specNames(root), ["complete-fails", "planned-fails"]);
  });

  it.effect("a failing checkpoint of a planned phase is pending; of a complete phase, a failure", () =>
    Effect.gen(function* () {
      const specs = yield* Effect.forEach(Verify.specNames(root), (name) => Verify.load(root, name, root));
      // The handoff repeats the plan's P1 command: it runs once.
      assert.deepStrictEqual(
        specs.map((spec) => spec.checkpoints.length),
        [2, 2],
      );
      const results = yield* Verify.run(specs, { cwd: root, timeout: Duration.seconds(30) });
      assert.deepStrictEqual(
        results.map((result) => [result.spec, result.checkpoint.phase, Verify.outcome(result)]),
        [
          ["complete-fails", "P0", "pass"],
          ["complete-fails", "P1", "FAIL"],
          ["planned-fails", "P0", "pass"],
          ["planned-fails", "P1", "pending (phase planned)"],
        ],
      );
      assert.deepStrictEqual(
        results.filter(Verify.isFailure).map((r) => r.spec),
        ["complete-fails"],
      );
      const table = Verify.table(results);
      assert.match(table, /\| spec +\| phase \| command +\| result +\| duration \|/);
      assert.match(
        table,
        /\| planned-fails +\| P1 +\| test "\$BEEP_SPECS_VERIFY" = 1 && exit 3 \| pending \(phase planned\) \| \d+\.\ds +\|/,
      );
    }),
  );

  it.effect("kills a command that outlives its timeout", () =>
    Effect.gen(function* () {
      const result = yield* Verify.runCommand("sleep 20", root, Duration.millis(300));
      assert.isFalse(result.ok);
      assert.isTrue(result.timedOut);
      assert.isBelow(result.durationMs, 5_000);
    }),
  );

  it.effect("refuses a checkpoint whose phase the status table does not list", () =>
    Effect.gen(function* () {
      writeSpec("unknown-phase", { "README.md": README("planned"), "plan.md": "## P7\n```sh checkpoint\ntrue\n```" });
      const error = yield* Effect.flip(Verify.load(root, "unknown-phase", root));
      assert.instanceOf(error, SpecErrors.PhaseNotInStatusTable);
      rmSync(join(root, "unknown-phase"), { recursive: true });
    }),
  );

  it("the script exits 0 when only planned phases fail, 1 when a complete phase fails, 2 on bad input", () => {
    const planned = runScript("planned-fails");
    assert.strictEqual(planned.status, 0, planned.stdout + planned.stderr);
    assert.include(planned.stdout, "pending (phase planned)");
    assert.include(planned.stdout, "[2/2] planned-fails P1");

    const complete = runScript("complete-fails");
    assert.strictEqual(complete.status, 1, complete.stdout + complete.stderr);
    assert.include(complete.stdout, "complete-fails/MASTER_ORCHESTRATION.md:7)");

    const unknown = runScript("no-such-spec");
    assert.strictEqual(unknown.status, 2);
    assert.include(unknown.stderr, 'No spec named "no-such-spec"');
  });

  it("--no-run checks the specs and runs nothing; a spec the gate refuses exits 2 with its file", () => {
    const checked = runScript("--no-run", "complete-fails");
    assert.strictEqual(checked.status, 0, checked.stdout + checked.stderr);
    assert.include(checked.stdout, "complete-fails: 2 phases, 2 checkpoints, not run");
    assert.notInclude(checked.stdout, "[1/2]");

    writeSpec("unlogged", { "README.md": README("complete"), "MASTER_ORCHESTRATION.md": PLAN });
    const refused = runScript("--no-run", "unlogged");
    rmSync(join(root, "unlogged"), { recursive: true });
    assert.strictEqual(refused.status, 2, refused.stdout + refused.stderr);
    assert.include(
      refused.stderr,
      '/unlogged/REFLECTION_LOG.md: unlogged P0 is complete but the log has no "## P0 ..." entry',
    );
  });

  it("refuses to run inside a checkpoint", () => {
    const nested = spawnSync("bun", [SCRIPT], { env: scriptEnv({ [Verify.GUARD_VARIABLE]: "1" }), encoding: "utf8" });
    assert.strictEqual(nested.status, 2);
    assert.include(nested.stderr, "a checkpoint must not call specs:verify");
  });
});
