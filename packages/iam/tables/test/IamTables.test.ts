import { TableShape, TenantRole } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import { IamTables } from "../src/index.ts";

const ORG_FK = TableShape.ORGANIZATION_FOREIGN_KEY;
const standard = TableShape.standardTenant;

/**
 * A table's per-role policies (its grants replace the baseline) beside the tenant policy, in `TableShape` form:
 * `"select_member select"` is the `select_member_<table>` for SELECT.
 */
const withGrants = (table: string, grants: ReadonlyArray<string>) =>
  [
    ...grants.map((grant) => {
      const [name, command] = grant.split(" ");
      return `${name}_${table} permissive ${command}`;
    }),
    `tenant_isolation_${table} restrictive all`,
  ].sort();

describe("iam tables", () => {
  it("member: unique per organization and user; only its own user creates it; per-role grants", () => {
    assert.deepStrictEqual(TableShape.of(IamTables.member), {
      ...standard("iam_member"),
      uniques: [["organization_id", "user_id"]],
      foreignKeys: [ORG_FK, "(user_id) -> shared_user(id)"],
      policies: [
        "member_insert_self_iam_member restrictive insert",
        // Readable by its user in their own context (`userColumn`): updates and deletes keep the organization's bound.
        "tenant_isolation_iam_member_update restrictive update",
        "tenant_isolation_iam_member_delete restrictive delete",
        ...withGrants("iam_member", [
          "select_any_own select",
          "select_member select",
          "insert_owner insert",
          "insert_invitee insert",
          "update_admin update",
          "delete_admin delete",
        ]),
      ].sort(),
    });
    assert.deepStrictEqual(IamTables.MEMBER_ROLES, TenantRole.ROLES);
  });

  it("invitation: admins manage it, its invitee sees and accepts it", () => {
    assert.deepStrictEqual(TableShape.of(IamTables.invitation), {
      ...standard("iam_invitation"),
      policies: withGrants("iam_invitation", [
        "select_admin select",
        "all_admin all",
        "select_invitee select",
        "update_invitee update",
      ]),
      uniques: [["organization_id", "email"]],
      foreignKeys: [ORG_FK, "(invited_by) -> shared_user(id)"].sort(),
    });
  });

  it("api_key: stores a hash, never the key; carries a role; its own context reads it; admins manage keys", () => {
    const shape = TableShape.of(IamTables.apiKey);
    assert.deepStrictEqual(shape, {
      ...standard("iam_api_key"),
      policies: withGrants("iam_api_key", [
        "select_key select",
        "update_key update",
        "select_admin select",
        "all_admin all",
      ]),
      uniques: [["organization_id", "key_hash"]],
      foreignKeys: [ORG_FK, "(created_by) -> shared_user(id)"].sort(),
    });
    const columns = Object.values(IamTables.apiKey).flatMap((value) =>
      typeof value === "object" && value !== null && "name" in value && "columnType" in value
        ? [String(value.name)]
        : [],
    );
    assert.include(columns, "key_hash");
    assert.include(columns, "role");
    assert.notInclude(columns, "key");
    assert.notInclude(columns, "secret");
  });

  it("organization_role: managed (members read, admins write)", () => {
    assert.deepStrictEqual(TableShape.of(IamTables.organizationRole), {
      ...standard("iam_organization_role", TenantRole.managed),
      policies: withGrants("iam_organization_role", ["select_member select", "all_admin all"]),
      uniques: [["organization_id", "name"]],
      foreignKeys: [ORG_FK],
    });
  });

  it("team_member: composite references to team and member; managed", () => {
    assert.deepStrictEqual(TableShape.of(IamTables.teamMember), {
      ...standard("iam_team_member", TenantRole.managed),
      uniques: [["organization_id", "team_id", "member_id"]],
      foreignKeys: [
        ORG_FK,
        "(organization_id, member_id) -> iam_member(organization_id, id)",
        "(organization_id, team_id) -> shared_team(organization_id, id)",
      ].sort(),
    });
  });

  it("sso_provider: nullable, with shared providers (the shared organization's), keyed like every tenant table", () => {
    assert.deepStrictEqual(TableShape.of(IamTables.ssoProvider), {
      name: "iam_sso_provider",
      rlsPolicy: "nullable",
      rlsEnabled: true,
      policies: TableShape.expectedTenantPolicies("iam_sso_provider", "nullable", TenantRole.managed),
      primaryKey: ["organization_id", "id"],
      uniques: [["organization_id", "domain"]],
      foreignKeys: [ORG_FK],
    });
  });
});
