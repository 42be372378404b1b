import { assert, describe, it } from "@effect/vitest";
import { SharedTables, TableShape } from "../src/index.ts";
import * as Schema from "../src/tables/index.ts";

const ORG_FK = TableShape.ORGANIZATION_FOREIGN_KEY;

describe("shared tables", () => {
  it("organization: the tenant root sees only its own row", () => {
    const shape = TableShape.of(SharedTables.organization);
    assert.deepStrictEqual(shape, {
      name: "shared_organization",
      rlsPolicy: "global",
      rlsEnabled: true,
      policies: TableShape.expectedTenantPolicies("shared_organization", "standard"),
      primaryKey: ["id"],
      uniques: [],
      foreignKeys: [],
    });
  });

  it("user: global, each row its own user's (no tenant reads it), emails not unique", () => {
    const shape = TableShape.of(SharedTables.user);
    assert.deepStrictEqual(shape, {
      name: "shared_user",
      rlsPolicy: "global",
      rlsEnabled: true,
      policies: [
        "user_insert_self_shared_user permissive insert",
        "user_select_self_shared_user permissive select",
        "user_update_self_shared_user permissive update",
      ],
      primaryKey: ["id"],
      uniques: [],
      foreignKeys: [],
    });
  });

  it("team and file: standard tenant tables", () => {
    assert.deepStrictEqual(TableShape.of(SharedTables.team), {
      name: "shared_team",
      rlsPolicy: "standard",
      rlsEnabled: true,
      policies: TableShape.expectedTenantPolicies("shared_team", "standard"),
      primaryKey: ["organization_id", "id"],
      uniques: [["organization_id", "name"]],
      foreignKeys: [ORG_FK],
    });
    assert.deepStrictEqual(TableShape.of(SharedTables.file), {
      name: "shared_file",
      rlsPolicy: "standard",
      rlsEnabled: true,
      policies: TableShape.expectedTenantPolicies("shared_file", "standard"),
      primaryKey: ["organization_id", "id"],
      uniques: [],
      foreignKeys: [ORG_FK, "(uploaded_by) -> shared_user(id)"],
    });
  });

  it("auditEvent: typed like a tenant table, keyed by (organization_id, id, occurred_at), not in /schema", () => {
    assert.deepStrictEqual(TableShape.of(SharedTables.auditEvent), {
      name: "shared_audit_event",
      rlsPolicy: "global",
      rlsEnabled: true,
      policies: TableShape.expectedTenantPolicies("shared_audit_event", "standard"),
      primaryKey: ["organization_id", "id", "occurred_at"],
      uniques: [],
      foreignKeys: [ORG_FK],
    });
    // drizzle-kit reads the /schema entry and must not try to create the partitioned table.
    const schemaTables: ReadonlyArray<unknown> = Object.values(Schema);
    assert.isFalse(schemaTables.includes(SharedTables.auditEvent));
    assert.isTrue(schemaTables.includes(SharedTables.user));
  });
});
