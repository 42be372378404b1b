import { randomBytes } from "node:crypto";
import { DocumentsEntityIds } from "@beep/documents-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { assert, describe, it } from "@effect/vitest";
import { getTableConfig } from "drizzle-orm/pg-core";
import { Effect } from "effect";
import postgres from "postgres";
import { AppRole, Registry, Roles } from "../src/index.ts";
import { layer, MigratedDatabase } from "../src/testing/MigratedDatabase.ts";
import { asTenant } from "./support.ts";

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
            await asTenant(sql, db.contextKey, org, async (tx) => {
              await tx`insert into shared_organization (id, name) values (${org}, ${`org ${org}`})`;
              await tx`insert into documents_document (id, title) values (${DocumentsEntityIds.DocumentId.create()}, 'doc')`;
            });
          }
        });
        const seen = yield* withSql(db.appUrl, (sql) =>
          asTenant(sql, db.contextKey, orgA, (tx) => tx`select organization_id from documents_document`),
        );
        assert.deepStrictEqual(
          seen.map((row) => row.organization_id),
          [orgA],
        );
        const none = yield* withSql(db.appUrl, (sql) =>
          asTenant(sql, db.contextKey, null, (tx) => tx`select id from documents_document`),
        );
        assert.lengthOf(none, 0);
        const orgsSeen = yield* withSql(db.appUrl, (sql) =>
          asTenant(sql, db.contextKey, orgA, (tx) => tx`select id from shared_organization`),
        );
        assert.deepStrictEqual(
          orgsSeen.map((row) => row.id),
          [orgA],
        );
        const error = yield* withSql(db.appUrl, (sql) =>
          asTenant(
            sql,
            db.contextKey,
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

    it.effect("beep_app's grants are exactly what Roles lists, table by table", () =>
      Effect.gen(function* () {
        const db = yield* MigratedDatabase;
        const tables = [...Registry.tables, ...Registry.codeTables].map((table) => getTableConfig(table).name);
        const rows = yield* withSql(
          db.adminUrl,
          (sql) => sql`select t.name, array(select p from unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
              where has_table_privilege('beep_app', t.name, p)) as privileges
            from unnest(${tables}::text[]) as t(name) order by 1`,
        );
        // A table with fixed columns has UPDATE on its other columns only, so not on the whole table.
        const tableWide = (name: string) =>
          Roles.appPrivileges(name).filter((p) => p !== "UPDATE" || Roles.APP_FIXED_COLUMNS[name] === undefined);
        assert.deepStrictEqual(
          rows.map((row) => [row.name, row.privileges]),
          [...tables].sort().map((name) => [name, tableWide(name)]),
        );
        const [member] = yield* withSql(
          db.adminUrl,
          (sql) => sql`select has_column_privilege('beep_app', 'iam_member', 'user_id', 'UPDATE') as user_id,
            has_column_privilege('beep_app', 'iam_member', 'role', 'UPDATE') as role`,
        );
        assert.deepStrictEqual({ ...member }, { user_id: false, role: true });
        assert.deepStrictEqual(Roles.appPrivileges("shared_organization"), ["SELECT", "INSERT", "UPDATE"]);
        assert.deepStrictEqual(Roles.appPrivileges("shared_audit_event"), ["SELECT", "INSERT"]);
      }),
    );

    it.effect("beep_admin cannot log in and bypasses RLS: a role granted it sees every tenant after SET ROLE", () =>
      Effect.gen(function* () {
        const db = yield* MigratedDatabase;
        const [admin] = yield* withSql(
          db.adminUrl,
          (sql) => sql`select rolcanlogin, rolbypassrls, rolsuper from pg_roles where rolname = 'beep_admin'`,
        );
        assert.deepStrictEqual({ ...admin }, { rolcanlogin: false, rolbypassrls: true, rolsuper: false });
        // Roles are cluster-wide: an operator role of this test's own, dropped afterwards.
        const operator = `operator_${randomBytes(4).toString("hex")}`;
        yield* withSql(db.adminUrl, (sql) =>
          sql.unsafe(`CREATE ROLE "${operator}" LOGIN PASSWORD 'operator' IN ROLE beep_admin`),
        );
        try {
          const operatorUrl = AppRole.urlFor(db.adminUrl, operator, "operator");
          const [total] = yield* withSql(db.adminUrl, (sql) => sql`select count(*)::int as n from documents_document`);
          assert.isAtLeast(total?.n ?? 0, 2, "the previous test stored documents of two organizations");
          const [seen] = yield* withSql(operatorUrl, (sql) =>
            sql.begin(async (tx) => {
              await tx`set local role beep_admin`;
              return tx`select count(*)::int as n from documents_document`;
            }),
          );
          assert.strictEqual(seen?.n, total?.n);
          const [withoutRole] = yield* withSql(
            operatorUrl,
            (sql) => sql`select has_table_privilege(current_user, 'documents_document', 'SELECT') as direct`,
          );
          assert.isTrue(withoutRole?.direct, "membership inherits beep_admin's grants");
        } finally {
          yield* withSql(db.adminUrl, (sql) => sql.unsafe(`DROP ROLE "${operator}"`));
        }
      }),
    );
  });
});
