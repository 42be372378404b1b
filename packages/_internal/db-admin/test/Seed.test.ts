import { DocumentsEntityIds } from "@beep/documents-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { TenantContext } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { Seed } from "../src/index.ts";
import { layer, MigratedDatabase } from "../src/testing/MigratedDatabase.ts";
import { asTenant, withSql } from "./support.ts";

const counts = (url: string) =>
  withSql(
    url,
    (sql) => sql`select
      (select count(*)::int from shared_organization where id <> ${TenantContext.SHARED_ORGANIZATION_ID}) as organizations,
      (select count(*)::int from shared_user) as users,
      (select count(*)::int from iam_member) as members,
      (select count(*)::int from documents_document) as documents,
      (select count(*)::int from documents_discussion) as discussions,
      (select count(*)::int from documents_comment) as comments`,
  ).pipe(Effect.map(([row]) => ({ ...row })));

describe("Seed.run", () => {
  it("stable ids are valid EntityIds and differ by key", () => {
    const acme = Seed.stableId(SharedEntityIds.OrganizationId, "acme");
    assert.isTrue(SharedEntityIds.OrganizationId.is(acme));
    assert.strictEqual(Seed.stableId(SharedEntityIds.OrganizationId, "acme"), acme);
    assert.notStrictEqual(Seed.stableId(SharedEntityIds.OrganizationId, "globex"), acme);
    assert.isTrue(DocumentsEntityIds.CommentId.is(Seed.stableId(DocumentsEntityIds.CommentId, "acme/handbook/1")));
  });

  it.layer(layer)((it) => {
    it.effect("creates Acme and Globex with their owners, then nothing on a second run (same ids)", () =>
      Effect.gen(function* () {
        const db = yield* MigratedDatabase;
        const first = yield* Seed.run(db.appUrl, db.contextKey);
        assert.deepStrictEqual(
          first.organizations.map((org) => [org.name, org.owner.email]),
          [
            ["Acme", "alice@acme.example"],
            ["Globex", "grace@globex.example"],
          ],
        );
        for (const org of first.organizations) {
          assert.isTrue(SharedEntityIds.OrganizationId.is(org.id));
          assert.isTrue(SharedEntityIds.UserId.is(org.owner.id));
        }
        // Per organization: itself, 2 users, 2 members, 2 documents, 2 discussions, 4 comments.
        assert.strictEqual(first.created, 2 * 13);
        const afterFirst = yield* counts(db.adminUrl);
        assert.deepStrictEqual(afterFirst, {
          organizations: 2,
          users: 4,
          members: 4,
          documents: 4,
          discussions: 4,
          comments: 8,
        });
        const second = yield* Seed.run(db.appUrl, db.contextKey);
        assert.deepStrictEqual(second, { organizations: first.organizations, created: 0 });
        assert.deepStrictEqual(yield* counts(db.adminUrl), afterFirst);
      }),
    );

    it.effect("the seeded rows are tenant rows: as beep_app, Acme sees only Acme's", () =>
      Effect.gen(function* () {
        const db = yield* MigratedDatabase;
        const { organizations } = yield* Seed.run(db.appUrl, db.contextKey);
        const [acme, globex] = organizations;
        const seen = yield* withSql(db.appUrl, (sql) =>
          asTenant(sql, db.contextKey, acme?.id ?? null, async (tx) => ({
            organizations: (await tx`select name from shared_organization`).map((row) => row.name),
            // What a tenant sees of people: its members' profiles (the global user rows are each user's own).
            users: (await tx`select email from iam_member order by email`).map((row) => row.email),
            globalUsers: (await tx`select count(*)::int as n from shared_user`)[0]?.n,
            documents: (await tx`select distinct organization_id from documents_document`).map(
              (row) => row.organization_id,
            ),
            comments: (await tx`select count(*)::int as n from documents_comment`)[0]?.n,
          })),
        );
        assert.deepStrictEqual(seen, {
          organizations: ["Acme"],
          users: ["alice@acme.example", "bob@acme.example"],
          globalUsers: 0,
          documents: [acme?.id],
          comments: 4,
        });
        assert.notStrictEqual(globex?.id, acme?.id);
      }),
    );

    it.effect("refuses a connection that bypasses RLS, so the seed never goes around tenant context", () =>
      Effect.gen(function* () {
        const db = yield* MigratedDatabase;
        const error = yield* Effect.flip(Seed.run(db.adminUrl, db.contextKey));
        assert.instanceOf(error, Seed.SeedFailed);
        assert.include(error.message, "bypasses RLS");
      }),
    );
  });
});
