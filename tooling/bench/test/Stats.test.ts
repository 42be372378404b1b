import { assert, describe, it } from "@effect/vitest";
import * as Stats from "../src/Stats.ts";

describe("Stats", () => {
  it("median of odd and even counts, unsorted input, and of nothing", () => {
    assert.strictEqual(Stats.median([5, 1, 3]), 3);
    assert.strictEqual(Stats.median([4, 1, 3, 2]), 2.5);
    assert.isNaN(Stats.median([]));
  });

  it("quantile interpolates between ranks and rejects q outside 0..1", () => {
    assert.strictEqual(Stats.quantile([10, 20, 30, 40, 50], 0), 10);
    assert.strictEqual(Stats.quantile([10, 20, 30, 40, 50], 1), 50);
    assert.strictEqual(Stats.quantile([10, 20], 0.25), 12.5);
    assert.isNaN(Stats.quantile([1, 2], 1.5));
  });

  it("ratio is NaN when a side is missing or the denominator is zero", () => {
    assert.strictEqual(Stats.ratio(3, 4), 0.75);
    assert.isNaN(Stats.ratio(1, 0));
    assert.isNaN(Stats.ratio(Number.NaN, 2));
  });

  it("pairedRatio is the median of round-by-round ratios, not the ratio of medians", () => {
    // Rounds drift (the machine got slower), but A is always 90% of B within a round.
    const b = [1000, 500, 200, 100, 50];
    const a = b.map((value) => value * 0.9);
    assert.closeTo(Stats.pairedRatio(a, b), 0.9, 1e-12);
    // One disturbed round moves the ratio of medians; the paired median ignores it.
    const disturbedB = [100, 50, 10];
    const disturbedA = [95, 40, 9.5];
    assert.closeTo(Stats.pairedRatio(disturbedA, disturbedB), 0.95, 1e-12);
    assert.closeTo(Stats.ratio(Stats.median(disturbedA), Stats.median(disturbedB)), 0.8, 1e-12);
    assert.isNaN(Stats.pairedRatio([], []));
    assert.closeTo(Stats.pairedRatio([1, 2, 3], [1, 0, 3]), 1, 1e-12);
  });

  it("throughput is operations per second", () => {
    assert.strictEqual(Stats.throughput(500, 250), 2000);
    assert.isNaN(Stats.throughput(1, 0));
  });
});
