// A database migrated before the signed tenant context (0000–0002, data written the old way) upgrades in place:
// nothing is lost, the new policies apply, and db:verify passes.
import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { afterAll, assert, describe, it } from "@effect/vitest";
import { Effect, Option, Redacted } from "effect";
import { ContextKey, Migrator, Upgrade, Verify } from "../src/index.ts";
import { loginFor } from "../src/testing/MigratedDatabase.ts";
import { migrationsUpTo, namesAfter, query } from "./support.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe("upgrading a database migrated before the signed context", () => {
  it("keeps every row, gives them the new isolation, and verifies clean", async () => {
    const database = await Testkit.createDatabase("upgrade");
    cleanups.push(database.drop);
    const before = migrationsUpTo("0002_audit_event");
    cleanups.push(before.remove);
    await Effect.runPromise(Migrator.migrate({ url: database.url, migrationsDir: before.dir }));
    const org = "shared_organization__01a23600-0000-7000-8000-0000000000a1";
    const user = "shared_user__01a23600-0000-7000-8000-0000000000b1";
    // Rows of the old design, written by the owner (the old policies do not matter to it).
    await query(database.url, async (sql) => {
      await sql`insert into shared_organization (id, name) values (${org}, 'Old')`;
      await sql`insert into shared_user (id, email, name) values (${user}, 'old@example.com', 'Old Owner')`;
      await sql`insert into iam_member (id, organization_id, user_id, role)
        values ('iam_member__01a23600-0000-7000-8000-0000000000c1', ${org}, ${user}, 'owner')`;
      await sql`insert into documents_document (id, organization_id, title)
        values ('documents_document__01a23600-0000-7000-8000-0000000000d1', ${org}, 'kept')`;
      // A shared row as the old design had it: no organization.
      await sql`insert into iam_sso_provider (id, organization_id, domain, issuer)
        values ('iam_sso_provider__01a23600-0000-7000-8000-0000000000f1', null, 'shared.example', 'https://idp.example')`;
    });

    const key = ContextKey.generate();
    const result = await Effect.runPromise(
      Upgrade.run({ url: database.url, contextKey: Option.some(Redacted.make(key)) }),
    );
    assert.deepStrictEqual(
      result.applied.map((tag) => tag.replace(/^\d+_/, "")),
      namesAfter("0002_audit_event"),
    );
    assert.strictEqual(result.contextKey, "installed");
    const report = await Effect.runPromise(Verify.verify(database.url));
    assert.deepStrictEqual(
      report.subjects.filter((subject) => subject.status !== "ok"),
      [],
    );

    // Dropped after the database (cleanups run in order).
    const login = await loginFor(database);
    cleanups.push(login.drop);
    const appUrl = login.url;
    const sign = ContextTicket.signer(key);
    const seen = await query(appUrl, (sql) =>
      sql.begin(async (tx) => {
        await tx`select set_config('beep.context', ${sign({ organizationId: org, userId: user, role: "owner" })}, true)`;
        return {
          documents: (await tx`select title from documents_document`).map((row) => row.title),
          members: (await tx`select role from iam_member`).map((row) => row.role),
          me: (await tx`select email from shared_user`).map((row) => row.email),
          // The shared row is now the shared organization's, and still every tenant's to read.
          providers: (await tx`select domain, organization_id from iam_sso_provider`).map((row) => ({ ...row })),
          // The old unique email constraint is gone: a second account may use the same address.
          audit: (
            await tx`insert into shared_audit_event (id, action) values
            ('shared_audit_event__01a23600-0000-7000-8000-0000000000e1', 'upgraded') returning organization_id`
          ).map((row) => row.organization_id),
        };
      }),
    );
    assert.deepStrictEqual(seen, {
      documents: ["kept"],
      members: ["owner"],
      me: ["old@example.com"],
      providers: [{ domain: "shared.example", organization_id: TenantContext.SHARED_ORGANIZATION_ID }],
      audit: [org],
    });
    const [constraints] = await query(
      database.url,
      (sql) => sql`select count(*)::int as n from pg_constraint where conname = 'shared_user_email_unique'`,
    );
    assert.strictEqual(constraints?.n, 0);
  });
});
