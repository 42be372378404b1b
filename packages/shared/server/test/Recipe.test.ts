import { readFileSync } from "node:fs";
import { document } from "@beep/documents-tables/schema";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import { runtime } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import { draftAndPublish } from "./recipe/DocumentRepository.ts";
import { findDocument } from "./recipe/HotPath.ts";

const read = (relative: string) => readFileSync(new URL(relative, import.meta.url), "utf8");

describe("the AGENTS.md recipe", () => {
  it("is this compiled, tested module, verbatim", () => {
    const blocks = [...read("../AGENTS.md").matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
    assert.include(blocks, read("./recipe/DocumentRepository.ts"));
    assert.include(blocks, read("./recipe/HotPath.ts"));
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

    it.effect("the hot path runs as written: a prepared statement in one round trip", () =>
      Effect.gen(function* () {
        const { organizationId, ownerId } = yield* Organizations.create({
          name: "HotPath",
          owner: { email: "hot-path@example.com", name: "h" },
        });
        const caller = { organizationId, userId: ownerId, role: "owner" };
        const [draft] = yield* draftAndPublish(caller, "hot").pipe(
          Effect.andThen(TenantDb.withContext(caller)(TenantQuery.select(document))),
        );
        assert.isDefined(draft);
        const found = yield* findDocument(caller, draft?.id ?? "");
        assert.deepStrictEqual(
          found.map((row) => row.title),
          ["hot"],
        );
        // Another organization's owner, asking for the same id: the policies hide it.
        const other = yield* Organizations.create({
          name: "Other",
          owner: { email: "hot-other@example.com", name: "o" },
        });
        const hidden = yield* findDocument({ organizationId: other.organizationId, role: "owner" }, draft?.id ?? "");
        assert.lengthOf(hidden, 0);
      }),
    );
  });
});
