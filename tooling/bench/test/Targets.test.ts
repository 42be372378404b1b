import { assert, describe, it } from "@effect/vitest";
import postgres from "postgres";
import * as PoolMode from "../src/comparisons/PoolMode.ts";
import * as RlsVsFilter from "../src/comparisons/RlsVsFilter.ts";
import * as TenantSetting from "../src/comparisons/TenantSetting.ts";
import type * as Dataset from "../src/Dataset.ts";
import type * as Interleave from "../src/Interleave.ts";
import * as Queries from "../src/Queries.ts";
import * as Results from "../src/Results.ts";
import * as Targets from "../src/Targets.ts";
import type * as TenantRuntime from "../src/TenantRuntime.ts";

const KEYS: Dataset.Keys = {
  organizations: ["org"],
  documents: [{ organizationId: "org", id: "doc" }],
  documentsBytes: 0,
};
// Variants are only built here, never run: nothing reaches a database.
const notRun = () => Promise.reject(new Error("not run in this test"));
const idle: TenantRuntime.Runner = { run: notRun, query: notRun, runBuilt: notRun };

/** A comparison whose variants have the given throughput and latency in every round. */
const measured = (
  variants: ReadonlyArray<Interleave.Variant>,
  ratios: ReadonlyArray<Results.RatioSpec>,
  figures: (key: string) => { readonly throughput: number; readonly latencyMs: number } = () => ({
    throughput: 100,
    latencyMs: 1,
  }),
) =>
  Results.summarize(
    { section: 2, id: "test", title: "test", clients: 1 },
    variants.map((variant) => {
      const { throughput, latencyMs } = figures(variant.key);
      return {
        key: variant.key,
        label: variant.label,
        throughputs: [throughput, throughput, throughput],
        latenciesMs: [latencyMs, latencyMs, latencyMs],
        cpuPerOperationUs: [1, 1, 1],
      };
    }),
    ratios,
  );

const texts = (specs: ReadonlyArray<Targets.Spec>) => specs.map(Targets.textOf);

/** Every target names a ratio its comparison reports, between two of its variants: evaluated, it has a figure. */
const assertWired = (
  variants: ReadonlyArray<Interleave.Variant>,
  ratios: ReadonlyArray<Results.RatioSpec>,
  specs: ReadonlyArray<Targets.Spec>,
) => {
  const comparison = measured(variants, ratios);
  for (const spec of specs) {
    assert.isFalse(Number.isNaN(Targets.evaluate(comparison, spec).value), `${Targets.textOf(spec)} has no figure`);
  }
};

const withTenantPools = <A>(f: (pools: TenantSetting.Pools) => A): A => {
  // postgres.js connects on the first query only; these pools are never queried.
  const sql = postgres("postgres://nobody@127.0.0.1:1/none", { max: 1 });
  try {
    return f({ withOrg: idle, app: sql, drizzleApp: sql, bypass: sql, contextKey: "x".repeat(32) });
  } finally {
    void sql.end({ timeout: 0 });
  }
};

describe("targets", () => {
  it("section 2: withOrg/plain throughput >= 0.85 at 1 and 8 clients, query/floor latency <= 1.35 at 1 only", () => {
    assert.deepStrictEqual(texts(TenantSetting.targets(1)), [
      "query/floor latency <= 1.35",
      "withOrg/drizzle throughput >= 2",
      "withOrg/plain throughput >= 0.85",
    ]);
    assert.deepStrictEqual(texts(TenantSetting.targets(8)), [
      "withOrg/drizzle throughput >= 2",
      "withOrg/plain throughput >= 0.85",
    ]);
    withTenantPools((pools) => {
      const variants = TenantSetting.variants(pools, KEYS);
      assertWired(variants, TenantSetting.ratios, TenantSetting.targets(1));
      assertWired(variants, TenantSetting.ratios, TenantSetting.targets(8));
      // The bound decides: the runtime at 0.8 of its protocol misses, at 0.9 meets it.
      const at = (share: number) =>
        Targets.evaluate(
          measured(variants, TenantSetting.ratios, (key) => ({
            throughput: key === "withOrg" ? 100 * share : 100,
            latencyMs: 1,
          })),
          { numerator: "withOrg", denominator: "plain", metric: "throughput", comparator: ">=", threshold: 0.85 },
        ).status;
      assert.deepStrictEqual([at(0.8), at(0.9)], ["missed", "met"]);
    });
  });

  it("section 1: count's A/B bound is 0.97 (in place of 0.95), the other queries keep 0.95", () => {
    const byQuery = Object.fromEntries(Queries.all.map((query) => [query.name, texts(RlsVsFilter.targetsFor(query))]));
    assert.deepStrictEqual(byQuery, {
      "point-read": ["A/B throughput >= 0.95", "C/B throughput >= 0.95"],
      "newest-50": ["A/B throughput >= 0.95", "C/B throughput >= 0.95"],
      count: ["A/B throughput >= 0.97", "C/B throughput >= 0.95"],
      update: ["A/B throughput >= 0.95", "C/B throughput >= 0.95"],
    });
    for (const query of Queries.all) {
      assertWired(
        RlsVsFilter.variants({ app: idle, bypass: idle }, KEYS, query),
        RlsVsFilter.ratios,
        RlsVsFilter.targetsFor(query),
      );
    }
  });

  it("pool mode: pooled/prepared throughput >= 0.7 for the point read and the newest 50", () => {
    assert.deepStrictEqual(
      PoolMode.QUERIES.map((query) => query.name),
      ["point-read", "newest-50"],
    );
    assert.deepStrictEqual(texts(PoolMode.targets), ["pooled/prepared throughput >= 0.7"]);
    for (const query of PoolMode.QUERIES) {
      const variants = PoolMode.variants({ prepared: idle, pooled: idle }, KEYS, query);
      assert.deepStrictEqual(
        variants.map((variant) => variant.key),
        ["prepared", "pooled"],
      );
      assertWired(variants, PoolMode.ratios, PoolMode.targets);
    }
  });
});
