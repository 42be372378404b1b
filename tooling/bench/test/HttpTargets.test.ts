import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import * as Bench from "../src/Bench.ts";
import * as Chart from "../src/Chart.ts";
import * as Http from "../src/comparisons/Http.ts";
import * as Docs from "../src/Docs.ts";
import * as Machine from "../src/Machine.ts";
import * as Profile from "../src/Profile.ts";
import * as Results from "../src/Results.ts";
import * as Targets from "../src/Targets.ts";

/** Section 4 at `clients`, where `minimal` serves `minimalRate` for every `shipped` request per second. */
const section4 = (clients: number, minimalRate: number) =>
  Results.summarize(
    { section: 4, id: "http/documents", title: "GET /v1/documents", clients },
    ["shipped", "rls", "filtered", "minimal"].map((key) => ({
      key,
      label: key,
      throughputs: key === "minimal" ? [minimalRate, minimalRate] : [1, 1],
      latenciesMs: [1, 1],
      cpuPerOperationUs: [1, 1],
    })),
    Http.ratios,
  );

const peaks = (mib: number) => [
  { key: "shipped", label: "apps/server", mib },
  { key: "minimal", label: "minimal", mib: 10 },
];

describe("section 4's targets", () => {
  it("shipped/minimal throughput >= 0.7, at 8 clients only", () => {
    assert.deepStrictEqual(Http.targets(1), []);
    const [spec] = Http.targets(8);
    if (spec === undefined) return assert.fail("no target at 8 clients");
    const met = Targets.evaluate(section4(8, 1 / 0.75), spec);
    const missed = Targets.evaluate(section4(8, 1 / 0.65), spec);
    assert.strictEqual(met.text, "shipped/minimal throughput >= 0.7");
    assert.closeTo(met.value, 0.75, 1e-9);
    assert.deepStrictEqual([met.status, missed.status], ["met", "missed"]);
  });

  it("apps/server's peak memory: <= 150 MiB on the shipped process, not a ratio, not run where unreported", () => {
    const met = Http.memoryTarget(peaks(149.5), 8);
    const missed = Http.memoryTarget(peaks(150.5), 8);
    const unknown = Http.memoryTarget(peaks(Number.NaN), 8);
    assert.deepStrictEqual(
      { text: met.text, value: met.value, unit: met.unit, clients: met.clients, status: met.status },
      { text: "shipped peak RSS <= 150 MiB", value: 149.5, unit: "MiB", clients: 8, status: "met" },
    );
    assert.strictEqual(missed.status, "missed");
    assert.strictEqual(unknown.status, "not run");
    assert.isTrue(Number.isNaN(met.low) && Number.isNaN(met.high));
  });

  it.effect("a run counts it: a missing figure of it is not run, not a harness failure", () =>
    Effect.gen(function* () {
      yield* Bench.requireFigures([Http.memoryTarget(peaks(Number.NaN), 8), Http.memoryTarget(peaks(120), 8)]);
    }),
  );

  it("the chart of ratios leaves the MiB bound out", () => {
    const [spec] = Http.targets(8);
    if (spec === undefined) return assert.fail("no target at 8 clients");
    const svg = Chart.svg([Targets.evaluate(section4(8, 1), spec), Http.memoryTarget(peaks(120), 8)], "t");
    assert.strictEqual(svg.match(/<rect x="330"/g)?.length, 1);
    assert.notInclude(svg, "MiB");
  });

  it("the docs show the memory bound's figure in MiB, and section 4's targets", () => {
    const [spec] = Http.targets(8);
    if (spec === undefined) return assert.fail("no target at 8 clients");
    const comparison = section4(8, 1 / 0.75);
    const report: Bench.Report = {
      profile: Profile.quick,
      machine: Machine.info(),
      server: { kind: "embedded", version: "18", sharedBuffers: "128MB", sharedBuffersBytes: 128 * 1024 * 1024 },
      datasets: [],
      startedAt: new Date(0),
      load: { before: 0, after: 0 },
      seconds: 1,
      comparisons: [comparison],
      targets: [Targets.evaluate(comparison, spec), Http.memoryTarget(peaks(176.6), 8)],
      notRun: [],
      cluster: undefined,
      httpPeakMemoryMiB: peaks(176.6),
    };
    const markdown = Docs.markdown(report, "bun run bench");
    assert.include(markdown, "| 4 | http/documents | 8 | `shipped peak RSS <= 150 MiB` | 177 MiB | **missed** |");
    assert.include(
      markdown,
      "| 4 | http/documents | 8 | `shipped/minimal throughput >= 0.7` | 0.750 (0.750–0.750) | met |",
    );
    assert.include(markdown, "Targets: `shipped/minimal throughput >= 0.7` at 8 clients");
  });
});

describe("a server process's CPU", () => {
  it.skipIf(process.platform !== "linux")(
    "is read from /proc, in microseconds, as the process itself counts it",
    () => {
      // Busy until this process has used `micros` of CPU (wall time would depend on what else runs).
      const spin = (micros: number) => {
        const start = process.cpuUsage();
        for (;;) {
          const used = process.cpuUsage(start);
          if (used.user + used.system >= micros) return;
          Math.sqrt(Math.random());
        }
      };
      const before = Http.processCpuMicros(process.pid);
      const own = process.cpuUsage();
      spin(200_000);
      const used = process.cpuUsage(own);
      const read = Http.processCpuMicros(process.pid) - before;
      // /proc counts in ticks of 10 ms; the process's own count is exact.
      assert.approximately(read, used.user + used.system, 40_000);
      assert.isAtLeast(read, 150_000);
      assert.isNaN(Http.processCpuMicros(2 ** 30));
    },
  );
});
