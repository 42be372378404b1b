import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { afterAll } from "vitest";
import { SpecErrors, Verify } from "../src/index.ts";

// Fixture specs in a throwaway specs folder: one that a session can resume from, and one variant per refusal.
const root = mkdtempSync(join(tmpdir(), "beep-spec-gate-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TEMPLATE_COMMAND = "bun run check --filter @beep/template-placeholder";

type Files = Record<string, string>;

const README = (p1: string, options: { goal?: string; p1Handoff?: string; p1Scope?: string } = {}) =>
  [
    "# demo",
    "",
    `**Goal:** ${options.goal ?? "rows of one tenant stay with that tenant."}`,
    "",
    "| Phase | Scope | Status | Handoff |",
    "| --- | --- | --- | --- |",
    "| P0 | foundation | complete | — |",
    `| P1 | ${options.p1Scope ?? "the runtime"} | ${p1} | ${options.p1Handoff ?? "[HANDOFF_P1](handoffs/HANDOFF_P1.md)"} |`,
    "",
  ].join("\n");

const PLAN = (p1Checkpoint = "true") =>
  [
    "## P0 — foundation",
    "```sh checkpoint",
    "true",
    "```",
    "## P1 — runtime",
    "```sh checkpoint",
    p1Checkpoint,
    "```",
  ].join("\n");

const LOG = "# Reflection log\n\n## P0 — foundation\n\nworked.\n\n## P1 — runtime\n\nworked.\n";
const HANDOFF = (status: string) => `# Handoff: P1\n\nStatus: ${status}. Plan: [plan](../MASTER_ORCHESTRATION.md).\n`;

const resumable = (): Files => ({
  "README.md": README("complete"),
  "MASTER_ORCHESTRATION.md": PLAN(),
  "REFLECTION_LOG.md": LOG,
  "handoffs/HANDOFF_P1.md": HANDOFF("complete"),
});

const specs: Record<string, Files> = {
  resumable: resumable(),
  "planned-with-todo-free-plan": {
    ...resumable(),
    "README.md": README("planned"),
    "REFLECTION_LOG.md": "# Log\n\n## P0\n",
  },
  "no-checkpoint": {
    ...resumable(),
    "MASTER_ORCHESTRATION.md": ["## P0", "```sh checkpoint", "true", "```", "## P1 — runtime", "Nothing yet."].join(
      "\n",
    ),
  },
  "no-reflection": { ...resumable(), "REFLECTION_LOG.md": "# Reflection log\n\n## P0 — foundation\n\nworked.\n" },
  "no-reflection-log": (() => {
    const { "REFLECTION_LOG.md": _log, ...files } = resumable();
    return files;
  })(),
  "stale-handoff": { ...resumable(), "handoffs/HANDOFF_P1.md": HANDOFF("planned") },
  "handoff-in-progress": { ...resumable(), "handoffs/HANDOFF_P1.md": HANDOFF("**in progress**") },
  "todo-checkpoint": {
    ...resumable(),
    "README.md": README("planned"),
    "MASTER_ORCHESTRATION.md": PLAN("# TODO: replace with this phase's commands\nbun run test --filter @beep/x"),
  },
  "template-command": {
    ...resumable(),
    "README.md": README("planned"),
    "MASTER_ORCHESTRATION.md": PLAN(TEMPLATE_COMMAND),
  },
  "todo-goal": { ...resumable(), "README.md": README("complete", { goal: "TODO — one paragraph." }) },
  "todo-status-row": { ...resumable(), "README.md": README("planned", { p1Scope: "TODO — what it delivers" }) },
  "todo-index-goal": resumable(),
  "not-indexed": resumable(),
  // A plan-wide handoff linked from a later phase speaks for P1 only: "planned" in it does not refuse P1.
  "shared-handoff": {
    ...resumable(),
    "README.md": README("complete", { p1Handoff: "[HANDOFF](handoffs/HANDOFF_P0.md)" }),
    "handoffs/HANDOFF_P0.md": HANDOFF("planned"),
  },
  // One log heading may cover two phases.
  "joint-reflection": {
    ...resumable(),
    "REFLECTION_LOG.md": "# Log\n\n## P0 — foundation\n\n## P0 and P1 — completed\n",
  },
};

const write = (dir: string, files: Files) => {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
};

for (const [name, files] of Object.entries(specs)) write(join(root, name), files);
write(join(root, "_template"), {
  "README.md": README("planned"),
  "MASTER_ORCHESTRATION.md": `## P0\n\`\`\`sh checkpoint\n${TEMPLATE_COMMAND}\n\`\`\`\n`,
});
write(root, {
  "README.md": [
    "# specs",
    "",
    "| spec | goal |",
    "| --- | --- |",
    ...Object.keys(specs)
      .filter((name) => name !== "not-indexed")
      .map((name) => `| [${name}](${name}/README.md) | ${name === "todo-index-goal" ? "TODO — the goal" : "a goal"} |`),
    "",
  ].join("\n"),
});

const refusal = (name: string) => Effect.flip(Verify.load(root, name, root));

describe("SpecGate: what a spec needs before a session can resume from it", () => {
  it.effect("accepts a spec whose complete phases are proven, logged and handed over", () =>
    Effect.gen(function* () {
      for (const name of ["resumable", "planned-with-todo-free-plan", "shared-handoff", "joint-reflection"]) {
        const spec = yield* Verify.load(root, name, root);
        assert.deepStrictEqual([...spec.statuses.keys()], ["P0", "P1"], name);
      }
    }),
  );

  it.effect("refuses a complete phase with no checkpoint, naming the spec, phase and README row", () =>
    Effect.gen(function* () {
      const error = yield* refusal("no-checkpoint");
      assert.instanceOf(error, SpecErrors.CompletePhaseWithoutCheckpoint);
      assert.strictEqual(error.message.split(": ")[0], "no-checkpoint/README.md:8");
      assert.include(error.message, "no-checkpoint P1 is complete but has no ```sh checkpoint block");
    }),
  );

  it.effect("refuses a complete phase with no reflection entry, or no log at all", () =>
    Effect.gen(function* () {
      for (const [name, phase] of [
        ["no-reflection", "P1"],
        ["no-reflection-log", "P0"],
      ]) {
        const error = yield* refusal(name ?? "");
        assert.instanceOf(error, SpecErrors.CompletePhaseWithoutReflection, name);
        assert.include(
          error.message,
          `${name}/REFLECTION_LOG.md: ${name} ${phase} is complete but the log has no "## ${phase} ..."`,
        );
      }
    }),
  );

  it.effect("refuses a complete phase whose own handoff still says planned or in progress", () =>
    Effect.gen(function* () {
      const planned = yield* refusal("stale-handoff");
      assert.instanceOf(planned, SpecErrors.StaleHandoff);
      assert.include(
        planned.message,
        'stale-handoff/handoffs/HANDOFF_P1.md:3: stale-handoff P1 is complete but its handoff says "Status: planned"',
      );
      const inProgress = yield* refusal("handoff-in-progress");
      assert.instanceOf(inProgress, SpecErrors.StaleHandoff);
      assert.include(inProgress.message, '"Status: in progress"');
    }),
  );

  it.effect("refuses template checkpoints whatever the phase's status: a TODO line, or the template's command", () =>
    Effect.gen(function* () {
      const todo = yield* refusal("todo-checkpoint");
      assert.instanceOf(todo, SpecErrors.TemplatePlaceholder);
      assert.include(
        todo.message,
        "todo-checkpoint/MASTER_ORCHESTRATION.md:7: todo-checkpoint P1: a checkpoint line is still the template's placeholder",
      );
      const command = yield* refusal("template-command");
      assert.instanceOf(command, SpecErrors.TemplatePlaceholder);
      assert.include(
        command.message,
        "template-command/MASTER_ORCHESTRATION.md:7: template-command P1: the checkpoint command",
      );
    }),
  );

  it.effect("refuses a README whose goal or status table still holds the template's TODO", () =>
    Effect.gen(function* () {
      const goal = yield* refusal("todo-goal");
      assert.instanceOf(goal, SpecErrors.TemplatePlaceholder);
      assert.include(goal.message, "todo-goal/README.md:3: todo-goal: the goal is still the template's placeholder");
      const row = yield* refusal("todo-status-row");
      assert.instanceOf(row, SpecErrors.TemplatePlaceholder);
      assert.include(row.message, "todo-status-row/README.md:8: todo-status-row P1: the status table row");
    }),
  );

  it.effect("refuses a spec the specs index does not list, or lists with the TODO goal", () =>
    Effect.gen(function* () {
      const missing = yield* refusal("not-indexed");
      assert.instanceOf(missing, SpecErrors.SpecNotIndexed);
      assert.include(missing.message, "README.md: the spec table has no row for not-indexed");
      const todo = yield* refusal("todo-index-goal");
      assert.instanceOf(todo, SpecErrors.TemplatePlaceholder);
      assert.include(todo.message, "todo-index-goal: the goal in the specs index is still the template's placeholder");
    }),
  );

  // The repo's own specs, read and checked without running a checkpoint (those run test suites, this one included).
  it.effect("every spec of the repo passes the gate", () =>
    Effect.gen(function* () {
      const specsDir = fileURLToPath(new URL("..", import.meta.url));
      const repoRoot = join(specsDir, "..");
      const names = Verify.specNames(specsDir);
      assert.include(names, "orgtable-auto-rls");
      for (const name of names) yield* Verify.load(specsDir, name, repoRoot);
    }),
  );
});
