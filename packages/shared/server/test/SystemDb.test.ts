import { document } from "@beep/documents-tables/schema";
import { assert, describe, it } from "@effect/vitest";
import { sql } from "drizzle-orm";
import { Effect } from "effect";
import * as SystemDb from "../src/SystemDb.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import { runtime } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import { asOwner } from "./internal/Tenant.ts";

describe("SystemDb", () => {
  it.layer(runtime())((it) => {
    it.effect("runs as beep_admin in a transaction and sees every tenant; the tenant path does not", () =>
      Effect.gen(function* () {
        const a = yield* Organizations.create({ name: "SA", owner: { email: "sa@example.com", name: "a" } });
        const b = yield* Organizations.create({ name: "SB", owner: { email: "sb@example.com", name: "b" } });
        for (const org of [a, b]) {
          yield* asOwner(org.organizationId)(TenantQuery.insert(document, { title: "system-visible" }));
        }
        const seen = yield* SystemDb.transaction(
          SystemDb.use(async (db) => {
            const [role] = await db.execute(sql`select current_user as role,
              (select rolbypassrls from pg_roles where rolname = current_user) as bypass`);
            const rows = await db.select().from(document);
            return { role, organizations: new Set(rows.map((row) => row.organizationId)) };
          }),
        );
        assert.deepStrictEqual({ ...seen.role }, { role: "beep_admin", bypass: true });
        assert.isTrue(seen.organizations.has(a.organizationId) && seen.organizations.has(b.organizationId));
        const tenantView = yield* asOwner(a.organizationId)(TenantQuery.select(document));
        assert.deepStrictEqual([...new Set(tenantView.map((row) => row.organizationId))], [a.organizationId]);
      }),
    );

    it.effect("the role lasts for its transaction only", () =>
      Effect.gen(function* () {
        const { sql: pool } = yield* SystemDb.SystemDb;
        yield* SystemDb.transaction(Effect.void);
        const after = yield* Effect.promise(async () => {
          const reserved = await Promise.all([pool.reserve(), pool.reserve()]);
          try {
            return await Promise.all(reserved.map((c) => c`select current_user as role`));
          } finally {
            for (const c of reserved) c.release();
          }
        });
        assert.isTrue(after.every(([row]) => row?.role !== "beep_admin"));
      }),
    );
  });
});
