import { EntityId } from "@beep/shared-domain";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Either } from "effect";
import { Names } from "../src/index.ts";

const refusal = (effect: Effect.Effect<string, { readonly reason: string }>) =>
  Either.match(Effect.runSync(Effect.either(effect)), {
    onLeft: (error) => error.reason,
    onRight: (value) => `accepted ${value}`,
  });

describe("Names", () => {
  it("pascal and camel from snake_case", () => {
    assert.strictEqual(Names.pascal("document_file"), "DocumentFile");
    assert.strictEqual(Names.camel("document_file"), "documentFile");
    assert.strictEqual(Names.camel("item"), "item");
  });

  it("accepts lowercase snake_case only", () => {
    assert.strictEqual(refusal(Names.snakeCase("billing_v2")), "accepted billing_v2");
    for (const bad of ["Billing", "billing-x", "2fa", "_x", "x__y", "x_", ""]) {
      assert.strictEqual(refusal(Names.snakeCase(bad)), "expected lowercase snake_case (a-z, 0-9, _)", bad);
    }
  });

  it("refuses a table name over EntityId's limit, and accepts one at it", () => {
    const slice = "billing";
    const fits = "x".repeat(EntityId.MAX_TABLE_NAME_LENGTH - slice.length - 1);
    assert.strictEqual(refusal(Names.tableName(slice, fits)), `accepted ${slice}_${fits}`);
    assert.strictEqual(
      refusal(Names.tableName(slice, `${fits}x`)),
      `longer than ${EntityId.MAX_TABLE_NAME_LENGTH} characters`,
    );
    assert.strictEqual(refusal(Names.tableName(slice, "Payment")), "expected lowercase snake_case (a-z, 0-9, _)");
  });
});
