import { EntityId } from "@beep/shared-domain";
import { assert, describe, it } from "@effect/vitest";
import { getTableConfig, PgDialect, text } from "drizzle-orm/pg-core";
import { OrgTable, TableShape, TenantContext, TenantPolicy, TenantRole } from "../src/index.ts";

const USER = TenantContext.CURRENT_USER_ID_SQL;
const INVITATION = "iam_invitation__01a23600-0000-7000-8000-000000000001";

/** A policy's clauses as `TenantPolicy.specs` would render them, by name. */
const byName = (specs: ReadonlyArray<TenantPolicy.PolicySpec>) => new Map(specs.map((spec) => [spec.name, spec]));

const NoteId = EntityId.make("test_note");
const note = OrgTable.make(NoteId)({ body: text("body").notNull(), authorId: text("author_id") }, (t) => [
  ...OrgTable.roles(t, TenantRole.authored(t.authorId)),
]);
const PlainId = EntityId.make("test_plain");
const plain = OrgTable.make(PlainId)({ body: text("body") });
const LedgerId = EntityId.make("test_ledger");
const ledger = OrgTable.make(LedgerId)({ body: text("body") }, (t) => [
  ...OrgTable.roles(t, [
    { for: "all", to: "owner" },
    { for: "select", to: "admin" },
  ]),
]);
const TicketId = EntityId.make("test_ticket");
const ticket = OrgTable.make(TicketId)({ body: text("body") }, (t) => [
  ...OrgTable.roles(t, [
    { for: "select", to: "member" },
    { for: "select", label: "invitee", where: `${TenantContext.CURRENT_ROLE_SQL} = 'invitee.' || "id"` },
  ]),
]);

describe("TenantRole", () => {
  it("roles go from weakest to strongest; each covers the ones before it", () => {
    assert.deepStrictEqual(TenantRole.ROLES, ["member", "admin", "owner"]);
    assert.deepStrictEqual(TenantRole.atLeast("member"), ["member", "admin", "owner"]);
    assert.deepStrictEqual(TenantRole.atLeast("admin"), ["admin", "owner"]);
    assert.deepStrictEqual(TenantRole.atLeast("owner"), ["owner"]);
    assert.isTrue(TenantRole.covers("owner", "member"));
    assert.isTrue(TenantRole.covers("admin", "admin"));
    assert.isFalse(TenantRole.covers("member", "admin"));
    assert.isFalse(TenantRole.covers("admin", "owner"));
  });

  it("a policy is named <command>_<role, label or any>[_own]_<table>", () => {
    const name = (grant: TenantRole.Grant) => TenantRole.grantPolicyName("t", grant);
    assert.strictEqual(name({ for: "select", to: "member" }), "select_member_t");
    assert.strictEqual(name({ for: "update", to: "member", own: "author_id" }), "update_member_own_t");
    assert.strictEqual(name({ for: "all", to: "admin" }), "all_admin_t");
    assert.strictEqual(name({ for: "select" }), "select_any_t");
    assert.strictEqual(name({ for: "select", own: "user_id" }), "select_any_own_t");
    // A label names who the grant is for, before the role.
    assert.strictEqual(name({ for: "insert", to: "owner", label: "invitee" }), "insert_invitee_t");
    // Never a name the tenant policies reserve.
    for (const grant of [{ for: "all" }, { for: "select", label: "x" }] as const) {
      assert.isFalse(TenantPolicy.isReservedPolicyName("t", name(grant)));
    }
  });

  it("conditions: the role and every stronger one, the caller's own rows, a further condition; ANDed", () => {
    const specs = byName(
      TenantRole.specs("t", [
        { for: "select", to: "admin" },
        { for: "delete", to: "member", own: "author_id" },
        { for: "update", to: "owner", where: `"role" <> 'owner'` },
        { for: "select", own: "user_id", label: "self" },
        { for: "insert", label: "anyone" },
      ]),
    );
    assert.strictEqual(
      specs.get("select_admin_t")?.using,
      `"organization_id" = beep.current_org_id_for('admin', 'owner')`,
    );
    assert.strictEqual(
      specs.get("delete_member_own_t")?.using,
      `"author_id" = beep.current_user_id_for('member', 'admin', 'owner')`,
    );
    assert.strictEqual(
      specs.get("update_owner_t")?.using,
      `"organization_id" = beep.current_org_id_for('owner') AND ("role" <> 'owner')`,
    );
    assert.strictEqual(specs.get("select_self_own_t")?.using, `"user_id" = ${USER}`);
    // A grant to no role is open to every context of the tenant (the tenant policy still bounds it).
    assert.strictEqual(specs.get("insert_anyone_t")?.withCheck, "true");
  });

  it("a role's grant on own rows is one check; on a nullable table the shared rows keep their pass", () => {
    const grant = { for: "update", to: "member", own: "author_id" } as const;
    const [standard] = TenantRole.specs("t", [grant]);
    assert.strictEqual(standard?.using, `"author_id" = beep.current_user_id_for('member', 'admin', 'owner')`);
    const [nullable] = TenantRole.specs("t", [grant], "nullable");
    assert.strictEqual(
      nullable?.using,
      `("organization_id" = beep.current_org_id_for('member', 'admin', 'owner') OR "organization_id" = ${TenantContext.SHARED_ORGANIZATION_ID_SQL}) AND "author_id" = ${USER}`,
    );
  });

  it("each command gets the clauses PostgreSQL applies to it; every policy is permissive", () => {
    const specs = TenantRole.specs("t", [
      { for: "select", to: "member" },
      { for: "insert", to: "member" },
      { for: "update", to: "member" },
      { for: "delete", to: "member" },
      { for: "all", to: "member" },
    ]);
    const rule = `"organization_id" = beep.current_org_id_for('member', 'admin', 'owner')`;
    assert.deepStrictEqual(specs, [
      { name: "select_member_t", as: "permissive", for: "select", using: rule },
      { name: "insert_member_t", as: "permissive", for: "insert", withCheck: rule },
      { name: "update_member_t", as: "permissive", for: "update", using: rule, withCheck: rule },
      { name: "delete_member_t", as: "permissive", for: "delete", using: rule },
      { name: "all_member_t", as: "permissive", for: "all", using: rule, withCheck: rule },
    ]);
  });

  it("grants that would share a name get numbered ones, in order", () => {
    const specs = TenantRole.specs("t", [
      { for: "update", to: "admin" },
      { for: "update", to: "admin", where: "a" },
      { for: "select", to: "member" },
      { for: "update", to: "admin", where: "b" },
    ]);
    assert.deepStrictEqual(
      specs.map((spec) => spec.name),
      ["update_admin_t", "update_admin_t_2", "select_member_t", "update_admin_t_3"],
    );
    assert.strictEqual(new Set(specs.map((spec) => spec.name)).size, specs.length);
    assert.strictEqual(specs[3]?.using, `"organization_id" = beep.current_org_id_for('admin', 'owner') AND (b)`);
  });

  it("authored: members read and create, change and delete their own; admins and owners any", () => {
    const specs = TenantRole.specs("t", TenantRole.authored({ name: "author_id" }));
    const member = `"organization_id" = beep.current_org_id_for('member', 'admin', 'owner')`;
    const admin = `"organization_id" = beep.current_org_id_for('admin', 'owner')`;
    // The caller's own rows for a role: one check names the user only for those roles.
    const own = `"author_id" = beep.current_user_id_for('member', 'admin', 'owner')`;
    assert.deepStrictEqual(specs, [
      { name: "select_member_t", as: "permissive", for: "select", using: member },
      { name: "insert_member_t", as: "permissive", for: "insert", withCheck: member },
      { name: "update_member_own_t", as: "permissive", for: "update", using: own, withCheck: own },
      { name: "delete_member_own_t", as: "permissive", for: "delete", using: own },
      { name: "update_admin_t", as: "permissive", for: "update", using: admin, withCheck: admin },
      { name: "delete_admin_t", as: "permissive", for: "delete", using: admin },
    ]);
  });

  it("shared: members read and create; admins and owners change and delete", () => {
    const specs = byName(TenantRole.specs("t", TenantRole.shared));
    assert.deepStrictEqual(
      [...specs.keys()],
      ["select_member_t", "insert_member_t", "update_admin_t", "delete_admin_t"],
    );
    assert.strictEqual(
      specs.get("insert_member_t")?.withCheck,
      `"organization_id" = beep.current_org_id_for('member', 'admin', 'owner')`,
    );
    assert.strictEqual(
      specs.get("delete_admin_t")?.using,
      `"organization_id" = beep.current_org_id_for('admin', 'owner')`,
    );
    assert.isFalse([...specs.values()].some((spec) => spec.using?.includes(USER) || spec.withCheck?.includes(USER)));
  });

  it("managed: members read; only admins and owners write", () => {
    assert.deepStrictEqual(TenantRole.specs("t", TenantRole.managed), [
      {
        name: "select_member_t",
        as: "permissive",
        for: "select",
        using: `"organization_id" = beep.current_org_id_for('member', 'admin', 'owner')`,
      },
      {
        name: "all_admin_t",
        as: "permissive",
        for: "all",
        using: `"organization_id" = beep.current_org_id_for('admin', 'owner')`,
        withCheck: `"organization_id" = beep.current_org_id_for('admin', 'owner')`,
      },
    ]);
  });

  it("OrgTable.roles replaces the baseline with the grants; the tenant policy stays", () => {
    assert.deepStrictEqual(
      TableShape.of(note).policies,
      TableShape.expectedTenantPolicies("test_note", "standard", TenantRole.authored({ name: "author_id" })),
    );
    assert.notInclude(TableShape.of(note).policies, "tenant_baseline_test_note permissive all");
    assert.include(TableShape.of(note).policies, "tenant_isolation_test_note restrictive all");
    // Without grants, the baseline.
    assert.deepStrictEqual(TableShape.of(plain).policies, TableShape.expectedTenantPolicies("test_plain", "standard"));
    // Drizzle renders the grant's SQL as written.
    const dialect = new PgDialect();
    const policy = getTableConfig(note).policies.find((p) => p.name === "update_member_own_test_note");
    const using = policy?.using === undefined ? "" : dialect.sqlToQuery(policy.using).sql;
    assert.strictEqual(using, `"author_id" = beep.current_user_id_for('member', 'admin', 'owner')`);
  });

  it("a tenant policy names the organization only for the roles the grants admit, with the weakest grant's test", () => {
    const dialect = new PgDialect();
    const clause = (table: Parameters<typeof getTableConfig>[0], name: string) => {
      const policy = getTableConfig(table).policies.find((p) => p.name === name);
      return policy?.using === undefined ? "" : dialect.sqlToQuery(policy.using).sql;
    };
    // The same expression on both sides: PostgreSQL merges them into one index condition, one ticket check.
    const members = `"organization_id" = beep.current_org_id_for('member', 'admin', 'owner')`;
    assert.strictEqual(clause(note, "tenant_isolation_test_note"), members);
    assert.strictEqual(clause(note, "select_member_test_note"), members);
    const admins = `"organization_id" = beep.current_org_id_for('admin', 'owner')`;
    assert.strictEqual(clause(ledger, "tenant_isolation_test_ledger"), admins);
    assert.strictEqual(clause(ledger, "select_admin_test_ledger"), admins);
    // A grant to a context no role names (an invitee's), no grant at all: every context of the organization.
    assert.strictEqual(clause(ticket, "tenant_isolation_test_ticket"), `"organization_id" = beep.current_org_id()`);
    assert.strictEqual(clause(plain, "tenant_isolation_test_plain"), `"organization_id" = beep.current_org_id()`);
  });

  it("an invitee's role names one invitation", () => {
    assert.strictEqual(TenantRole.invitee(INVITATION), `invitee.${INVITATION}`);
    assert.isTrue(TenantRole.invitee(INVITATION).startsWith(TenantRole.INVITEE_PREFIX));
  });

  it("isContextRole: the roles and an invitee's, nothing else; never a ':' or a quote", () => {
    for (const role of [...TenantRole.ROLES, TenantRole.invitee(INVITATION)]) {
      assert.isTrue(TenantRole.isContextRole(role), role);
    }
    const refused: ReadonlyArray<unknown> = [
      "",
      "Owner",
      "OWNER",
      " owner",
      "owner ",
      "owner:",
      ":owner",
      "owner:admin",
      "owner'",
      "'owner'",
      `"owner"`,
      "owner\u0000",
      "superuser",
      "invitee.",
      "invitee.x",
      `invitee.${INVITATION}:owner`,
      `invitee.${INVITATION}'`,
      `invitee.${INVITATION}"`,
      `invitee.${INVITATION.replace("__", ":")}`,
      `invitee.${INVITATION}\n`,
      `invitee.${INVITATION.toUpperCase()}`,
      `invitee.iam_invitation__'; select 1; --`,
      undefined,
      null,
      1,
      ["owner"],
      { role: "owner" },
    ];
    for (const value of refused) assert.isFalse(TenantRole.isContextRole(value), JSON.stringify(value));
    assert.isFalse(TenantRole.isRole(TenantRole.invitee(INVITATION)), "an invitee holds none of the roles");
  });
});
