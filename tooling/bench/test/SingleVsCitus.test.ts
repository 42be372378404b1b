import { assert, describe, it } from "@effect/vitest";
import * as SingleVsCitus from "../src/comparisons/SingleVsCitus.ts";
import * as Docs from "../src/Docs.ts";

describe("section 5: single PostgreSQL against Citus", () => {
  it("is not run, with a one-line reason, when Citus is off", () => {
    const reason = SingleVsCitus.unavailableReason({ BEEP_CITUS: "off" });
    assert.strictEqual(reason, "not run: Citus off (BEEP_CITUS=off)");
  });

  it("runs on the cluster of CITUS_URL whether or not Citus is installed here", () => {
    assert.isUndefined(SingleVsCitus.unavailableReason({ CITUS_URL: "postgres://postgres@127.0.0.1:1/postgres" }));
  });

  it("compares the three operations, citus over single, with no target", () => {
    assert.deepStrictEqual(
      SingleVsCitus.QUERIES.map((query) => query.name),
      ["point-read", "newest-50", "update"],
    );
    assert.deepStrictEqual(
      SingleVsCitus.ratios.map((ratio) => `${ratio.numerator}/${ratio.denominator} ${ratio.metric}`),
      ["citus/single throughput", "citus/single latency"],
    );
    assert.include(Docs.CITUS_TEXT, "routing cost, not its scale");
  });
});
