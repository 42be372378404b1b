import { assert, describe, expectTypeOf, it } from "@effect/vitest";
import { Effect, Either, Schema } from "effect";
import { EntityId, SharedEntityIds } from "../src/index.ts";

describe("EntityId", () => {
  it("creates ids of the form <table>__<uuid v7>", () => {
    const id = SharedEntityIds.TeamId.create();
    assert.match(id, /^shared_team__[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.isTrue(SharedEntityIds.TeamId.is(id));
    assert.isFalse(SharedEntityIds.UserId.is(id));
  });

  it("orders ids by creation, even within one millisecond", () => {
    const first = SharedEntityIds.FileId.create();
    const second = SharedEntityIds.FileId.create();
    assert.isTrue(first < second);
  });

  it.effect("the schema accepts its own ids and rejects others with a clear message", () =>
    Effect.gen(function* () {
      const decode = Schema.decodeUnknownEither(SharedEntityIds.OrganizationId.schema);
      const id = SharedEntityIds.OrganizationId.create();
      assert.deepStrictEqual(decode(id), Either.right(id));
      for (const bad of [
        "",
        "shared_organization__",
        "shared_user__0190d0d6-8e5c-7a3b-9c1d-0123456789ab",
        "shared_organization__0190d0d6-8e5c-4a3b-9c1d-0123456789ab",
        "shared_organization__0190d0d6-8e5c-7a3b-9c1d-0123456789ab'; drop table x; --",
        42,
      ]) {
        const result = decode(bad);
        assert.isTrue(Either.isLeft(result), `accepted ${String(bad)}`);
      }
      const message = Either.getLeft(decode("nope")).pipe((o) => (o._tag === "Some" ? String(o.value) : ""));
      assert.include(message, 'shared_organization id ("shared_organization__<uuid v7>")');
    }),
  );

  it("rejects table names that are not snake_case <slice>_<entity>", () => {
    for (const bad of [
      "Member",
      "member",
      "iam-member",
      "iam__member",
      "_iam_member",
      "iam_member_",
      `iam_${"x".repeat(40)}`,
    ]) {
      assert.throws(() => EntityId.make(bad), /Invalid table name/);
    }
    assert.strictEqual(EntityId.make("iam_member").tableName, "iam_member");
    // The longest name allowed still fits every identifier the factory derives from it (63 bytes).
    const longest = `iam_${"x".repeat(EntityId.MAX_TABLE_NAME_LENGTH - 4)}`;
    assert.strictEqual(EntityId.make(longest).tableName.length, EntityId.MAX_TABLE_NAME_LENGTH);
    for (const derived of [`tenant_isolation_${longest}_update`, `${longest}_organization_id_id_unique`]) {
      assert.isAtMost(derived.length, 63, derived);
    }
  });

  it("brands ids per table", () => {
    expectTypeOf(SharedEntityIds.TeamId.create()).toEqualTypeOf<SharedEntityIds.TeamId>();
    expectTypeOf<SharedEntityIds.TeamId>().not.toEqualTypeOf<SharedEntityIds.UserId>();
    expectTypeOf<SharedEntityIds.TeamId>().toMatchTypeOf<string>();
    // @ts-expect-error an id of one table is not an id of another
    const wrong: SharedEntityIds.UserId = SharedEntityIds.TeamId.create();
    assert.isString(wrong);
  });
});
