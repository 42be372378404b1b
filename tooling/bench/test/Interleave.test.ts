import { assert, describe, it } from "@effect/vitest";
import { Effect, Exit } from "effect";
import * as Bench from "../src/Bench.ts";
import * as Interleave from "../src/Interleave.ts";
import * as Results from "../src/Results.ts";
import * as Targets from "../src/Targets.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

/** The order slices ran in: the log of operations with consecutive repeats collapsed. */
const sliceOrder = (log: ReadonlyArray<string>) => log.filter((key, index) => key !== log[index - 1]);

describe("Interleave", () => {
  it("schedule rotates the starting variant every round", () => {
    assert.deepStrictEqual(Interleave.schedule(2, 3), [
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
    assert.deepStrictEqual(Interleave.schedule(3, 3), [
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
    ]);
  });

  it("runSlice keeps every client busy until the deadline and times each operation", async () => {
    const seen = new Set<number>();
    const slice = await Interleave.runSlice(
      async (client) => {
        seen.add(client);
        await tick();
      },
      4,
      40,
    );
    assert.deepStrictEqual([...seen].sort(), [0, 1, 2, 3]);
    assert.strictEqual(slice.latenciesMs.length, slice.operations);
    assert.isAtLeast(slice.operations, 4);
    assert.isAtLeast(slice.elapsedMs, 40);
    assert.isTrue(slice.latenciesMs.every((latency) => latency >= 1));
    assert.isAtLeast(slice.cpuMicros, 0);
  });

  it("runSlice runs every client once even when the slice starts past its deadline (a process held up)", async () => {
    const runs: Array<number> = [];
    const slice = await Interleave.runSlice(
      async (client) => {
        runs.push(client);
      },
      3,
      0,
    );
    assert.deepStrictEqual(runs.sort(), [0, 1, 2]);
    assert.strictEqual(slice.operations, 3);
  });

  it.effect("measure warms up, then interleaves variants round by round", () =>
    Effect.gen(function* () {
      const log: Array<string> = [];
      const variant = (key: string, delayMs: number): Interleave.Variant => ({
        key,
        label: `variant ${key}`,
        run: async () => {
          log.push(key);
          await new Promise((resolve) => setTimeout(resolve, delayMs));
        },
      });
      const samples = yield* Interleave.measure([variant("A", 1), variant("B", 1), variant("C", 1)], {
        clients: 1,
        rounds: 3,
        sliceMs: 8,
        warmupMs: 4,
      });
      // Warm-up ABC, then rounds ABC, BCA, CAB.
      assert.deepStrictEqual(sliceOrder(log), ["A", "B", "C", "A", "B", "C", "B", "C", "A", "C", "A", "B"]);
      assert.deepStrictEqual(
        samples.map((sample) => [
          sample.key,
          sample.throughputs.length,
          sample.latenciesMs.length,
          sample.cpuPerOperationUs.length,
        ]),
        [
          ["A", 3, 3, 3],
          ["B", 3, 3, 3],
          ["C", 3, 3, 3],
        ],
      );
    }),
  );

  it.effect("a variant served by another process reports that process's CPU per operation", () =>
    Effect.gen(function* () {
      // A server that spends 7 µs per operation it serves, and one variant with no server to read.
      let serverMicros = 0;
      const served: Interleave.Variant = {
        key: "S",
        label: "served",
        serverCpuMicros: () => serverMicros,
        run: async () => {
          serverMicros += 7;
          await tick();
        },
      };
      const local: Interleave.Variant = { key: "L", label: "local", run: tick };
      const samples = yield* Interleave.measure([served, local], { clients: 2, rounds: 3, sliceMs: 10, warmupMs: 5 });
      assert.deepStrictEqual(samples[0]?.serverCpuPerOperationUs, [7, 7, 7]);
      assert.isUndefined(samples[1]?.serverCpuPerOperationUs);
      const summary = Results.summarize({ section: 4, id: "s", title: "s", clients: 2 }, samples, []);
      assert.deepStrictEqual(
        summary.variants.map((variant) => variant.serverCpuPerOperationUs),
        [7, undefined],
      );
    }),
  );

  it.effect("a failing operation stops the measurement with a typed error naming the variant", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Interleave.measure(
          [
            {
              key: "A",
              label: "broken",
              run: async () => {
                throw new Error("boom");
              },
            },
          ],
          { clients: 2, rounds: 1, sliceMs: 5, warmupMs: 1 },
        ),
      );
      assert.isTrue(Exit.isFailure(exit));
      if (Exit.isFailure(exit)) {
        const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined;
        assert.strictEqual(error?._tag, "OperationFailed");
        assert.include(error?.message ?? "", "broken");
      }
    }),
  );

  it("summarize reports medians and paired ratios; targets compare them to their bounds", () => {
    const comparison = Results.summarize(
      { section: 1, id: "rls/x", title: "x", clients: 1 },
      [
        { key: "A", label: "a", throughputs: [90, 45, 9], latenciesMs: [1.1, 2.2, 11], cpuPerOperationUs: [5, 7, 6] },
        { key: "B", label: "b", throughputs: [100, 50, 10], latenciesMs: [1, 2, 10], cpuPerOperationUs: [1, 2, 3] },
      ],
      [
        { numerator: "A", denominator: "B", metric: "throughput" },
        { numerator: "A", denominator: "B", metric: "latency" },
      ],
    );
    assert.deepStrictEqual(
      comparison.variants.map((variant) => [
        variant.key,
        variant.throughput,
        variant.latencyMs,
        variant.cpuPerOperationUs,
      ]),
      [
        ["A", 45, 2.2, 6],
        ["B", 50, 2, 2],
      ],
    );
    assert.closeTo(Results.ratioOf(comparison, "A", "B", "throughput"), 0.9, 1e-12);
    assert.closeTo(Results.ratioOf(comparison, "A", "B", "latency"), 1.1, 1e-12);
    const met = Targets.evaluate(comparison, {
      numerator: "A",
      denominator: "B",
      metric: "throughput",
      comparator: ">=",
      threshold: 0.9,
    });
    const missed = Targets.evaluate(comparison, {
      numerator: "A",
      denominator: "B",
      metric: "latency",
      comparator: "<=",
      threshold: 1.05,
    });
    const unmeasured = Targets.evaluate(comparison, {
      numerator: "A",
      denominator: "Z",
      metric: "latency",
      comparator: "<=",
      threshold: 9,
    });
    assert.deepStrictEqual([met.status, missed.status, unmeasured.status], ["met", "missed", "missed"]);
    assert.strictEqual(met.text, "A/B throughput >= 0.9");
  });

  it.effect("a run passes CI when every target that ran has a figure, met or not; a missing figure fails", () =>
    Effect.gen(function* () {
      const comparison = Results.summarize(
        { section: 1, id: "rls/x", title: "x", clients: 1 },
        [{ key: "A", label: "a", throughputs: [1], latenciesMs: [1], cpuPerOperationUs: [1] }],
        [{ numerator: "A", denominator: "A", metric: "throughput" }],
      );
      const spec = { numerator: "A", denominator: "A", metric: "throughput", comparator: ">=", threshold: 2 } as const;
      const missed = Targets.evaluate(comparison, spec);
      const unmeasured = Targets.evaluate(comparison, { ...spec, denominator: "Z" });
      yield* Bench.requireFigures([missed, Targets.notRun(4, "http/x", "not run: no server")]);
      const failure = yield* Effect.flip(Bench.requireFigures([missed, unmeasured]));
      assert.strictEqual(failure._tag, "NoFigures");
      assert.deepStrictEqual(failure.targets, ["rls/x x1 A/Z throughput >= 2"]);
    }),
  );
});
