import { DocumentsEntityIds, SharedEntityIds } from "@beep/shared-domain";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import postgres from "postgres";
import { layer, MigratedDatabase } from "../src/testing/MigratedDatabase.ts";

const orgA = SharedEntityIds.OrganizationId.create();
const orgB = SharedEntityIds.OrganizationId.create();

const withSql = <A>(url: string, f: (sql: postgres.Sql) => Promise<A>) =>
  Effect.promise(async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      return await f(sql);
    } finally {
      await sql.end();
    }
  });

/** One transaction as the app role with the tenant context set the way the runtime sets it. */
const asTenant = <A>(sql: postgres.Sql, org: string | null, f: (tx: postgres.TransactionSql) => Promise<A>) =>
  sql.begin(async (tx) => {
    if (org !== null) await tx`select set_config('app.current_org_id', ${org}, true)`;
    return f(tx);
  }) as Promise<A>;

describe("migrated database, as beep_app", () => {
  it.layer(layer)((it) => {
    it.effect("logs in as a role that is not superuser, not BYPASSRLS, and owns nothing", () =>
      Effect.gen(function* () {
        const db = yield* MigratedDatabase;
        const [role] = yield* withSql(
          db.appUrl,
          (sql) => sql`select current_user as name, rolsuper, rolbypassrls,
            (select count(*)::int from pg_class c where c.relowner = r.oid) as owned
            from pg_roles r where rolname = current_user`,
        );
        assert.deepStrictEqual({ ...role }, { name: "beep_app", rolsuper: false, rolbypassrls: false, owned: 0 });
      }),
    );

    it.effect("every RLS table is forced", () =>
      Effect.gen(function* () {
        const db = yield* MigratedDatabase;
        const rows = yield* withSql(
          db.adminUrl,
          (sql) => sql`select relname, relforcerowsecurity from pg_class
            where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') and relrowsecurity`,
        );
        assert.isAtLeast(rows.length, 14);
        assert.deepStrictEqual(
          rows.filter((row) => !row.relforcerowsecurity).map((row) => row.relname),
          [],
        );
      }),
    );

    it.effect("with org A's context only A's rows are visible; with none, nothing; a write for B fails", () =>
      Effect.gen(function* () {
        const db = yield* MigratedDatabase;
        yield* withSql(db.appUrl, async (sql) => {
          for (const org of [orgA, orgB]) {
            await asTenant(sql, org, async (tx) => {
              await tx`insert into shared_organization (id, name) values (${org}, ${`org ${org}`})`;
              await tx`insert into documents_document (id, title) values (${DocumentsEntityIds.DocumentId.create()}, 'doc')`;
            });
          }
        });
        const seen = yield* withSql(db.appUrl, (sql) =>
          asTenant(sql, orgA, (tx) => tx`select organization_id from documents_document`),
        );
        assert.deepStrictEqual(
          seen.map((row) => row.organization_id),
          [orgA],
        );
        const none = yield* withSql(db.appUrl, (sql) =>
          asTenant(sql, null, (tx) => tx`select id from documents_document`),
        );
        assert.lengthOf(none, 0);
        const orgsSeen = yield* withSql(db.appUrl, (sql) =>
          asTenant(sql, orgA, (tx) => tx`select id from shared_organization`),
        );
        assert.deepStrictEqual(
          orgsSeen.map((row) => row.id),
          [orgA],
        );
        const error = yield* withSql(db.appUrl, (sql) =>
          asTenant(
            sql,
            orgA,
            (tx) => tx`insert into documents_document (organization_id, title) values (${orgB}, 'x')`,
          ).then(
            () => undefined,
            (cause: unknown) => cause as { code?: string },
          ),
        );
        assert.strictEqual(error?.code, "42501");
        const total = yield* withSql(db.adminUrl, (sql) => sql`select count(*)::int as n from documents_document`);
        assert.strictEqual(total[0]?.n, 2);
      }),
    );
  });
});
