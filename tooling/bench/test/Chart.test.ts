import { assert, describe, it } from "@effect/vitest";
import * as Chart from "../src/Chart.ts";
import * as Results from "../src/Results.ts";
import * as Targets from "../src/Targets.ts";

describe("Chart", () => {
  it("draws one labelled bar per measured target, coloured by status, with a title", () => {
    const comparison = Results.summarize(
      { section: 2, id: "tenant/x", title: "x", clients: 1 },
      [
        { key: "A", label: "a", throughputs: [3, 3], latenciesMs: [2, 2], cpuPerOperationUs: [1, 1] },
        { key: "B", label: "b", throughputs: [1, 1], latenciesMs: [1, 1], cpuPerOperationUs: [1, 1] },
      ],
      [
        { numerator: "A", denominator: "B", metric: "throughput" },
        { numerator: "A", denominator: "B", metric: "latency" },
      ],
    );
    const met = Targets.evaluate(comparison, {
      numerator: "A",
      denominator: "B",
      metric: "throughput",
      comparator: ">=",
      threshold: 2,
    });
    const missed = Targets.evaluate(comparison, {
      numerator: "A",
      denominator: "B",
      metric: "latency",
      comparator: "<=",
      threshold: 1.25,
    });
    const svg = Chart.svg([met, missed], "ratios <& targets>");
    assert.match(svg, /^<svg [^>]*role="img"/);
    assert.include(svg, '<title id="chart-title">ratios &lt;&amp; targets&gt;</title>');
    assert.include(svg, "tenant/x ×1: A/B throughput &gt;= 2</text>");
    assert.include(svg, ">3.00 met</text>");
    assert.include(svg, ">2.00 missed</text>");
    assert.strictEqual(svg.match(/<rect x="330"/g)?.length, 2);
    assert.include(svg, 'fill="#2e7d32"');
    assert.include(svg, 'fill="#c62828"');
  });
});
