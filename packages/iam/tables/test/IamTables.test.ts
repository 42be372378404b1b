import { TableShape } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import { IamTables } from "../src/index.ts";

const ORG_FK = TableShape.ORGANIZATION_FOREIGN_KEY;
const standard = TableShape.standardTenant;

describe("iam tables", () => {
  it("member: unique per organization and user; only its own user creates it", () => {
    const base = standard("iam_member");
    assert.deepStrictEqual(TableShape.of(IamTables.member), {
      ...base,
      uniques: [["organization_id", "user_id"]],
      foreignKeys: [ORG_FK, "(user_id) -> shared_user(id)"],
      policies: ["member_insert_self_iam_member restrictive insert", ...base.policies],
    });
  });

  it("invitation", () => {
    assert.deepStrictEqual(TableShape.of(IamTables.invitation), {
      ...standard("iam_invitation"),
      uniques: [["organization_id", "email"]],
      foreignKeys: [ORG_FK, "(invited_by) -> shared_user(id)"].sort(),
    });
  });

  it("api_key: stores a hash, never the key", () => {
    const shape = TableShape.of(IamTables.apiKey);
    assert.deepStrictEqual(shape, {
      ...standard("iam_api_key"),
      uniques: [["organization_id", "key_hash"]],
      foreignKeys: [ORG_FK, "(created_by) -> shared_user(id)"].sort(),
    });
    const columns = Object.values(IamTables.apiKey).flatMap((value) =>
      typeof value === "object" && value !== null && "name" in value && "columnType" in value
        ? [String(value.name)]
        : [],
    );
    assert.include(columns, "key_hash");
    assert.notInclude(columns, "key");
    assert.notInclude(columns, "secret");
  });

  it("organization_role", () => {
    assert.deepStrictEqual(TableShape.of(IamTables.organizationRole), {
      ...standard("iam_organization_role"),
      uniques: [["organization_id", "name"]],
      foreignKeys: [ORG_FK],
    });
  });

  it("team_member: composite references to team and member", () => {
    assert.deepStrictEqual(TableShape.of(IamTables.teamMember), {
      ...standard("iam_team_member"),
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
      policies: TableShape.expectedTenantPolicies("iam_sso_provider", "nullable"),
      primaryKey: ["organization_id", "id"],
      uniques: [["organization_id", "domain"]],
      foreignKeys: [ORG_FK],
    });
  });
});
