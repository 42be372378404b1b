import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { Checkpoint, Markdown, PhaseStatus, SpecErrors } from "../src/index.ts";

const doc = [
  "# Plan", // 1
  "", // 2
  "## P1 — tables", // 3
  "", // 4
  "### Verification checkpoint", // 5
  "", // 6
  "```sh checkpoint", // 7
  "# a comment is skipped", // 8
  "bun run check --filter @beep/shared-tables", // 9
  "", // 10
  "bun run test \\", // 11
  "  --filter @beep/iam-tables", // 12
  "```", // 13
  "", // 14
  "```sh", // 15
  "echo not a checkpoint", // 16
  "```", // 17
  "", // 18
  "## P2 — migrations", // 19
  "", // 20
  "````md", // 21
  "```sh checkpoint", // 22
  "echo an example inside a longer fence, not a checkpoint", // 23
  "```", // 24
  "````", // 25
  "", // 26
  "```sh checkpoint phase=P3", // 27
  "bun run test --filter @beep/shared-server", // 28
  "```", // 29
  "", // 30
  "```bash checkpoint", // 31
  "bun run db:verify", // 32
  "```", // 33
].join("\n");

describe("Checkpoint.parse", () => {
  it.effect("finds checkpoint blocks, their commands, lines and phases", () =>
    Effect.gen(function* () {
      const checkpoints = yield* Checkpoint.parse("specs/x/MASTER_ORCHESTRATION.md", doc);
      assert.deepStrictEqual(
        checkpoints.map(({ line, phase, command }) => ({ line, phase, command })),
        [
          { line: 9, phase: "P1", command: "bun run check --filter @beep/shared-tables" },
          { line: 11, phase: "P1", command: "bun run test --filter @beep/iam-tables" },
          { line: 28, phase: "P3", command: "bun run test --filter @beep/shared-server" },
          { line: 32, phase: "P2", command: "bun run db:verify" },
        ],
      );
    }),
  );

  it.effect("takes the phase from the file name when no heading names one", () =>
    Effect.gen(function* () {
      const checkpoints = yield* Checkpoint.parse(
        "specs/x/handoffs/HANDOFF_P4.md",
        "# Handoff\n\n```sh checkpoint\nbun run check\n```\n",
      );
      assert.deepStrictEqual(
        checkpoints.map((c) => c.phase),
        ["P4"],
      );
    }),
  );

  it.effect("refuses a checkpoint with no phase, and one that is not shell", () =>
    Effect.gen(function* () {
      const noPhase = yield* Effect.flip(
        Checkpoint.parse("specs/x/notes.md", "# Notes\n\n```sh checkpoint\ntrue\n```"),
      );
      assert.instanceOf(noPhase, SpecErrors.CheckpointWithoutPhase);
      assert.include(noPhase.message, "specs/x/notes.md:3");
      const notShell = yield* Effect.flip(Checkpoint.parse("specs/x/P1.md", "```ts checkpoint\nconst x = 1;\n```"));
      assert.instanceOf(notShell, SpecErrors.CheckpointNotShell);
    }),
  );
});

describe("Markdown", () => {
  it("closes a fence only with the same character, at least as long", () => {
    const blocks = Markdown.codeBlocks("~~~sh\n```\nstill inside\n~~~\n\n```ts a b\nx\n```");
    assert.deepStrictEqual(
      blocks.map((b) => [b.lang, b.words, b.content, b.line]),
      [
        ["sh", [], "```\nstill inside", 1],
        ["ts", ["a", "b"], "x", 6],
      ],
    );
  });

  it("gives GitHub's anchors, numbering repeated headings", () => {
    const text = "# The `OrgTable` factory\n## Why? (and how)\n## Why? (and how)\n```md\n# not a heading\n```";
    assert.deepStrictEqual([...Markdown.anchors(text)], ["the-orgtable-factory", "why-and-how", "why-and-how-1"]);
  });

  it("finds links outside code", () => {
    const text = 'See [a](a.md#x) and `[b](b.md)`.\n```\n[c](c.md)\n```\n![img](d.png "title")';
    assert.deepStrictEqual(
      Markdown.links(text).map((l) => [l.target, l.line]),
      [
        ["a.md#x", 1],
        ["d.png", 5],
      ],
    );
  });
});

describe("PhaseStatus.parse", () => {
  const readme = (rows: string) => `# Spec\n\n| Phase | What | Status |\n| --- | --- | --- |\n${rows}\n\nAfter.`;

  it.effect("reads each phase's status from the README table", () =>
    Effect.gen(function* () {
      const statuses = yield* PhaseStatus.parse(
        "README.md",
        readme("| P0 | foundation | **complete** |\n| [P1](p1.md) | tables | in progress |\n| P2 | db | planned |"),
      );
      assert.deepStrictEqual(
        [...statuses],
        [
          ["P0", "complete"],
          ["P1", "in progress"],
          ["P2", "planned"],
        ],
      );
    }),
  );

  it.effect("refuses an unknown status, a duplicate phase and a README without the table", () =>
    Effect.gen(function* () {
      const unknown = yield* Effect.flip(PhaseStatus.parse("README.md", readme("| P0 | x | done |")));
      assert.instanceOf(unknown, SpecErrors.InvalidStatusRow);
      assert.include(unknown.message, "README.md:5");
      const twice = yield* Effect.flip(
        PhaseStatus.parse("README.md", readme("| P0 | x | planned |\n| P0 | y | planned |")),
      );
      assert.include(twice.message, "listed twice");
      const missing = yield* Effect.flip(PhaseStatus.parse("README.md", "# Spec\n\n| a | b |\n| - | - |"));
      assert.instanceOf(missing, SpecErrors.StatusTableMissing);
    }),
  );
});
