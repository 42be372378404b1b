import { assert, describe, it } from "@effect/vitest";
import { SharedEntityIds } from "../src/index.ts";
import { uuidV7 } from "../src/internal/uuidV7.ts";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisOf = (uuid: string) => Number.parseInt(uuid.replace(/-/g, "").slice(0, 12), 16);

describe("uuidV7", () => {
  it("10,000 ids made in a tight loop sort in creation order and are valid v7", () => {
    const start = Date.now();
    const ids = Array.from({ length: 10_000 }, () => uuidV7());
    const end = Date.now();
    // Thousands share a millisecond: only the counter can keep them ordered.
    assert.isBelow(new Set(ids.map(millisOf)).size, ids.length);
    assert.deepStrictEqual([...ids].sort(), ids);
    assert.strictEqual(new Set(ids).size, ids.length);
    for (const id of ids) {
      assert.match(id, V7);
      assert.isAtLeast(millisOf(id), start);
      assert.isAtMost(millisOf(id), end);
    }
  });

  it("an id made after the clock stepped back still sorts after the ones before it", () => {
    const now = Date.now();
    const before = uuidV7(now);
    const after = uuidV7(now - 60_000);
    assert.isTrue(before < after, `${before} then ${after}`);
    assert.match(after, V7);
  });

  it("entity ids made in a tight loop keep their creation order", () => {
    const ids = Array.from({ length: 1_000 }, () => SharedEntityIds.FileId.create());
    assert.deepStrictEqual([...ids].sort(), ids);
  });
});
