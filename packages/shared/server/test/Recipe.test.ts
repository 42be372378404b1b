import { readFileSync } from "node:fs";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { runtime } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import { draftAndPublish } from "./recipe/DocumentRepository.ts";

const read = (relative: string) => readFileSync(new URL(relative, import.meta.url), "utf8");

describe("the AGENTS.md recipe", () => {
  it("is this compiled, tested module, verbatim", () => {
    const blocks = [...read("../AGENTS.md").matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
    assert.include(blocks, read("./recipe/DocumentRepository.ts"));
  });

  it.layer(runtime())((it) => {
    it.effect("runs as written", () =>
      Effect.gen(function* () {
        const { organizationId, ownerId } = yield* Organizations.create({
          name: "Recipe",
          owner: { email: "recipe@example.com", name: "r" },
        });
        const drafts = yield* draftAndPublish({ organizationId, userId: ownerId, role: "owner" }, "hello");
        assert.deepStrictEqual(drafts, []);
        const error = yield* Effect.flip(
          draftAndPublish({ organizationId: "not-an-organization", role: "owner" }, "x"),
        );
        assert.strictEqual(error._tag, "InvalidOrganizationId");
      }),
    );
  });
});
