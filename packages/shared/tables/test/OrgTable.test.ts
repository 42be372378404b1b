import { EntityId, SharedEntityIds } from "@beep/shared-domain";
import { assert, describe, expectTypeOf, it } from "@effect/vitest";
import { getTableName, type SQL, sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  foreignKey,
  getTableConfig,
  index,
  PgDialect,
  pgPolicy,
  text,
  unique,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { OrgTable, SharedTables, TableErrors, TableShape, TenantContext, TenantPolicy } from "../src/index.ts";

const WidgetId = EntityId.make("test_widget");
const GadgetId = EntityId.make("test_gadget");
const SharedThingId = EntityId.make("test_shared_thing");
const SpecialId = EntityId.make("test_special");

const widget = OrgTable.make(WidgetId)({ label: text("label").notNull(), note: text("note") }, (t) => [
  index("test_widget_label_idx").on(t.label),
]);
const gadget = OrgTable.make(GadgetId)(
  { widgetId: text("widget_id").$type<EntityId.Type<typeof WidgetId>>().notNull() },
  (t) => [OrgTable.reference(t, { columns: [t.widgetId], foreignColumns: [widget.id] }).onDelete("cascade")],
);
const sharedThing = OrgTable.make(SharedThingId, { rlsPolicy: "nullable" })({ domain: text("domain").notNull() });
const special = OrgTable.make(SpecialId, { rlsPolicy: "none", reason: "read by an operator job across organizations" })(
  {
    data: text("data"),
  },
);

const policyNames = (table: Parameters<typeof getTableConfig>[0]) =>
  getTableConfig(table)
    .policies.map((p) => p.name)
    .sort();

describe("OrgTable.make", () => {
  it("adds the default columns with the expected SQL shape", () => {
    const config = getTableConfig(widget);
    const byName = new Map(config.columns.map((c) => [c.name, c]));
    assert.deepStrictEqual([...byName.keys()].sort(), [
      "created_at",
      "id",
      "label",
      "note",
      "organization_id",
      "updated_at",
    ]);
    const org = byName.get("organization_id");
    assert.isTrue(org?.notNull);
    assert.isTrue(org?.hasDefault);
    assert.strictEqual(new PgDialect().sqlToQuery(org?.default as SQL).sql, "beep.current_org_id()");
    assert.isTrue(byName.get("created_at")?.notNull);
    assert.match(String(byName.get("id")?.defaultFn?.()), /^test_widget__/);
  });

  it("standard: restrictive tenant policy, permissive baseline, RLS on, PK (organization_id, id)", () => {
    const config = getTableConfig(widget);
    assert.isTrue(config.enableRLS);
    assert.deepStrictEqual(policyNames(widget), ["tenant_baseline_test_widget", "tenant_isolation_test_widget"]);
    const tenant = config.policies.find((p) => p.name === "tenant_isolation_test_widget");
    assert.strictEqual(tenant?.as, "restrictive");
    assert.strictEqual(tenant?.for, "all");
    assert.isDefined(tenant?.using);
    assert.isDefined(tenant?.withCheck);
    assert.deepStrictEqual(
      config.primaryKeys[0]?.columns.map((c) => c.name),
      ["organization_id", "id"],
    );
    assert.strictEqual(config.primaryKeys[0]?.getName(), "test_widget_pkey");
    const orgFk = config.foreignKeys.find((fk) => fk.reference().columns[0]?.name === "organization_id");
    assert.strictEqual(getTableName(orgFk?.reference().foreignTable ?? widget), "shared_organization");
    assert.strictEqual(orgFk?.onDelete, "cascade");
    assert.deepStrictEqual(
      config.indexes.map((i) => i.config.name),
      ["test_widget_label_idx"],
    );
  });

  it("nullable: shared rows are the shared organization's, read by every tenant, written by none; PK (organization_id, id)", () => {
    const config = getTableConfig(sharedThing);
    assert.isTrue(config.enableRLS);
    const org = config.columns.find((c) => c.name === "organization_id");
    assert.isTrue(org?.notNull);
    assert.strictEqual(new PgDialect().sqlToQuery(org?.default as SQL).sql, "beep.current_org_id()");
    assert.deepStrictEqual(policyNames(sharedThing), [
      "tenant_baseline_test_shared_thing",
      "tenant_isolation_test_shared_thing",
      "tenant_isolation_test_shared_thing_delete",
      "tenant_isolation_test_shared_thing_update",
    ]);
    assert.isTrue(
      config.policies.filter((p) => p.name.startsWith("tenant_isolation")).every((p) => p.as === "restrictive"),
    );
    assert.deepStrictEqual(
      config.primaryKeys.map((key) => [key.getName(), key.columns.map((c) => c.name)]),
      [["test_shared_thing_pkey", ["organization_id", "id"]]],
    );
    assert.lengthOf(config.uniqueConstraints, 0);
    const own = `"organization_id" = beep.current_org_id()`;
    const shared = `"organization_id" = 'shared_organization__00000000-0000-7000-8000-000000000000'`;
    assert.deepStrictEqual(TenantPolicy.specs("test_shared_thing", "nullable", { baseline: false }), [
      {
        name: "tenant_isolation_test_shared_thing",
        as: "restrictive",
        for: "all",
        using: `(${own} OR ${shared})`,
        withCheck: own,
      },
      { name: "tenant_isolation_test_shared_thing_update", as: "restrictive", for: "update", using: own },
      { name: "tenant_isolation_test_shared_thing_delete", as: "restrictive", for: "delete", using: own },
    ]);
    // Every policy compares a column with a constant or a check function: no NULL test, no subquery.
    for (const spec of TenantPolicy.specs("test_shared_thing", "nullable")) {
      assert.notMatch(`${spec.using ?? ""} ${spec.withCheck ?? ""}`, /\bnull\b|\bselect\b/i, spec.name);
    }
  });

  it("the shared organization: a fixed, well-formed organization id", () => {
    assert.strictEqual(
      TenantContext.SHARED_ORGANIZATION_ID,
      "shared_organization__00000000-0000-7000-8000-000000000000",
    );
    assert.isTrue(SharedEntityIds.OrganizationId.is(TenantContext.SHARED_ORGANIZATION_ID));
    assert.strictEqual(TenantContext.SHARED_ORGANIZATION_ID_SQL, `'${TenantContext.SHARED_ORGANIZATION_ID}'`);
  });

  it("none: no policies, no RLS, still tenant-keyed", () => {
    const config = getTableConfig(special);
    assert.isFalse(config.enableRLS);
    assert.lengthOf(config.policies, 0);
    assert.deepStrictEqual(
      config.primaryKeys[0]?.columns.map((c) => c.name),
      ["organization_id", "id"],
    );
    assert.strictEqual(OrgTable.metadata(special)?.rlsPolicy, "none");
    assert.strictEqual(OrgTable.metadata(widget)?.rlsPolicy, "standard");
    assert.isUndefined(OrgTable.metadata(SharedTables.user));
  });

  it("reference: a composite foreign key through organization_id", () => {
    const fk = getTableConfig(gadget).foreignKeys.find((f) => f.getName() === "test_gadget_widget_id_fk");
    const ref = fk?.reference();
    assert.deepStrictEqual(
      ref?.columns.map((c) => c.name),
      ["organization_id", "widget_id"],
    );
    assert.deepStrictEqual(
      ref?.foreignColumns.map((c) => c.name),
      ["organization_id", "id"],
    );
    assert.strictEqual(getTableName(ref?.foreignTable ?? gadget), "test_widget");
    assert.strictEqual(fk?.onDelete, "cascade");
    assert.throws(
      () =>
        OrgTable.make(EntityId.make("test_bad_ref"))({ thingId: text("thing_id").notNull() }, (t) => [
          OrgTable.reference(t, { columns: [t.thingId], foreignColumns: [sharedThing.id] }),
        ]),
      /standard or none OrgTable/,
    );
  });

  it("refuses a plain foreign key to a tenant table, inline or in extraConfig, naming the fix", () => {
    const fix =
      'Table "test_plain_ref": the foreign key (t.widgetId) -> test_widget does not include organization_id on both sides, so it could point at another tenant\'s row; use OrgTable.reference(t, { columns: [t.widgetId], foreignColumns: [test_widget.id] })';
    const inline = captureThrow(() =>
      OrgTable.make(EntityId.make("test_plain_ref"))({
        widgetId: text("widget_id").references(() => widget.id),
      }),
    );
    assert.instanceOf(inline, TableErrors.PlainTenantReference);
    assert.strictEqual((inline as Error).message, fix);
    const extra = captureThrow(() =>
      OrgTable.make(EntityId.make("test_plain_ref"))({ widgetId: text("widget_id") }, (t) => [
        foreignKey({ columns: [t.widgetId], foreignColumns: [widget.id] }),
      ]),
    );
    assert.instanceOf(extra, TableErrors.PlainTenantReference);
    assert.strictEqual((extra as Error).message, fix);
    // organization_id on one side only, or matched to another column, is still another tenant's row away.
    const mismatched: ReadonlyArray<[AnyPgColumn, AnyPgColumn]> = [
      [widget.label, widget.id],
      [widget.id, widget.organizationId],
    ];
    for (const foreignColumns of mismatched) {
      const error = captureThrow(() =>
        OrgTable.make(EntityId.make("test_plain_ref"))({ widgetId: text("widget_id") }, (t) => [
          foreignKey({
            columns: [t.organizationId, t.widgetId],
            foreignColumns: foreignColumns as [AnyPgColumn, AnyPgColumn],
          }),
        ]),
      );
      assert.instanceOf(error, TableErrors.PlainTenantReference);
    }
    // So is a plain key to a none or nullable table.
    for (const target of [special, sharedThing]) {
      const error = captureThrow(() =>
        OrgTable.make(EntityId.make("test_plain_ref"))({ thingId: text("thing_id").references(() => target.id) }),
      );
      assert.instanceOf(error, TableErrors.PlainTenantReference);
      assert.include((error as Error).message, `foreignColumns: [${getTableName(target)}.id]`);
    }
  });

  it("refuses a self-reference through .references (the table is not defined yet); OrgTable.reference to t.id passes", () => {
    const selfRef = captureThrow(() => {
      const node = OrgTable.make(EntityId.make("test_node"))({
        parentId: text("parent_id").references((): AnyPgColumn => node.id),
      });
      return node;
    });
    assert.instanceOf(selfRef, TableErrors.UnresolvedReference);
    assert.include((selfRef as Error).message, "foreignColumns: [t.id]");
    const tree = OrgTable.make(EntityId.make("test_tree"))({ parentId: text("parent_id") }, (t) => [
      OrgTable.reference(t, { columns: [t.parentId], foreignColumns: [t.id] }),
    ]);
    assert.deepStrictEqual(TableShape.of(tree).foreignKeys, [
      "(organization_id) -> shared_organization(id)",
      "(organization_id, parent_id) -> test_tree(organization_id, id)",
    ]);
  });

  it("keeps references to global tables and OrgTable.reference", () => {
    const authored = OrgTable.make(EntityId.make("test_authored"))(
      {
        authorId: text("author_id").references(() => SharedTables.user.id, { onDelete: "set null" }),
        widgetId: text("widget_id").notNull(),
      },
      (t) => [
        foreignKey({ columns: [t.authorId], foreignColumns: [SharedTables.user.id] }),
        OrgTable.reference(t, { columns: [t.widgetId], foreignColumns: [widget.id] }),
        // Written out with organization_id on both sides, a foreign key is what OrgTable.reference makes.
        foreignKey({ columns: [t.organizationId, t.widgetId], foreignColumns: [widget.organizationId, widget.id] }),
      ],
    );
    assert.lengthOf(getTableConfig(authored).foreignKeys, 5);
    assert.lengthOf(getTableConfig(gadget).foreignKeys, 2);
  });

  it("none: an opt-out states its reason, kept with the table's app privileges in its metadata", () => {
    assert.deepStrictEqual(OrgTable.metadata(special), {
      tableName: "test_special",
      rlsPolicy: "none",
      reason: "read by an operator job across organizations",
    });
    const readable = OrgTable.make(EntityId.make("test_readable"), {
      rlsPolicy: "none",
      reason: "  a public catalogue  ",
      appPrivileges: ["SELECT"],
    })({ data: text("data") });
    assert.deepStrictEqual(OrgTable.metadata(readable), {
      tableName: "test_readable",
      rlsPolicy: "none",
      reason: "a public catalogue",
      appPrivileges: ["SELECT"],
    });
    for (const reason of [undefined, "", "   "]) {
      const error = captureThrow(() =>
        // @ts-expect-error a none table without a string reason does not type-check
        OrgTable.make(EntityId.make("test_unexplained"), { rlsPolicy: "none", reason })({ data: text("data") }),
      );
      assert.instanceOf(error, TableErrors.UndeclaredOptOut);
      assert.include((error as Error).message, 'rlsPolicy: "none", reason:');
    }
    // @ts-expect-error a none table needs a reason
    assert.throws(() => OrgTable.make(EntityId.make("test_unexplained"), { rlsPolicy: "none" })({}), /needs a reason/);
    assert.throws(
      () =>
        // @ts-expect-error only none tables take a reason
        OrgTable.make(EntityId.make("test_isolated"), { rlsPolicy: "standard", reason: "x" })({ data: text("data") }),
      TableErrors.UndeclaredOptOut,
    );
    assert.throws(
      () =>
        // @ts-expect-error not a privilege
        OrgTable.make(EntityId.make("test_odd"), { rlsPolicy: "none", reason: "x", appPrivileges: ["TRUNCATE"] })({}),
      /unknown TRUNCATE/,
    );
  });

  it("a table's own permissive policy replaces the baseline; the tenant policy stays", () => {
    const audited = OrgTable.make(EntityId.make("test_audited"))({ owner: text("owner") }, () => [
      pgPolicy("owner_only", { as: "permissive", for: "select", using: sql`owner = current_user` }),
    ]);
    assert.deepStrictEqual(policyNames(audited), ["owner_only", "tenant_isolation_test_audited"]);
  });

  it("rejects a policy that reuses the tenant policy's name", () => {
    for (const name of [
      "tenant_isolation_test_clash",
      "tenant_isolation_test_clash_update",
      "tenant_baseline_test_clash",
    ]) {
      const error = captureThrow(() =>
        OrgTable.make(EntityId.make("test_clash"))({ x: text("x") }, () => [pgPolicy(name, { using: sql`true` })]),
      );
      assert.instanceOf(error, TableErrors.ReservedPolicyName);
      assert.include(String((error as Error).message), name);
    }
  });

  it("rejects unique keys without organization_id and keys of its own", () => {
    const cases: Array<() => unknown> = [
      () => OrgTable.make(EntityId.make("test_u1"))({ slug: text("slug").unique() }),
      () => OrgTable.make(EntityId.make("test_u2"))({ slug: text("slug") }, (t) => [unique("u2").on(t.slug)]),
      () => OrgTable.make(EntityId.make("test_u3"))({ slug: text("slug") }, (t) => [uniqueIndex("u3").on(t.slug)]),
      () => OrgTable.make(EntityId.make("test_u4"))({ slug: text("slug").primaryKey() }),
    ];
    for (const make of cases) assert.instanceOf(captureThrow(make), TableErrors.UnsafeTenantKey);
    OrgTable.make(EntityId.make("test_u5"))({ slug: text("slug") }, (t) => [unique("u5").on(t.organizationId, t.slug)]);
  });

  it("roleColumn names where a person's role comes from: kept in the metadata, refused without a userColumn", () => {
    const roster = OrgTable.make(EntityId.make("test_roster"), { userColumn: "user_id", roleColumn: "role" })({
      userId: text("user_id").notNull(),
      role: text("role").notNull(),
    });
    assert.deepStrictEqual(OrgTable.metadata(roster)?.roleSource, { userColumn: "user_id", roleColumn: "role" });
    const refused = [
      () => OrgTable.make(EntityId.make("test_roster2"), { roleColumn: "role" })({ role: text("role") }),
      () =>
        OrgTable.make(EntityId.make("test_roster3"), { userColumn: "user_id", roleColumn: "rank" })({
          userId: text("user_id"),
          role: text("role"),
        }),
    ];
    for (const make of refused) assert.instanceOf(captureThrow(make), TableErrors.UnsafeTenantKey);
  });

  it("rejects a column that takes a default column's SQL name", () => {
    assert.instanceOf(
      captureThrow(() => OrgTable.make(EntityId.make("test_dup"))({ orgId: text("organization_id") })),
      TableErrors.DefaultColumnRedefined,
    );
  });

  it("keeps exact select and insert types", () => {
    type Select = typeof widget.$inferSelect;
    type Insert = typeof widget.$inferInsert;
    expectTypeOf<Select>().toEqualTypeOf<{
      id: EntityId.Type<typeof WidgetId>;
      organizationId: SharedEntityIds.OrganizationId;
      createdAt: Date;
      updatedAt: Date;
      label: string;
      note: string | null;
    }>();
    expectTypeOf<Insert>().toEqualTypeOf<{
      id?: EntityId.Type<typeof WidgetId>;
      organizationId?: SharedEntityIds.OrganizationId;
      createdAt?: Date;
      updatedAt?: Date;
      label: string;
      note?: string | null;
    }>();
    expectTypeOf<(typeof sharedThing.$inferSelect)["organizationId"]>().toEqualTypeOf<SharedEntityIds.OrganizationId>();
    expectTypeOf<(typeof special.$inferSelect)["organizationId"]>().toEqualTypeOf<SharedEntityIds.OrganizationId>();
  });

  it("makes redefining a default column a compile error", () => {
    const attempts = [
      // @ts-expect-error id is a default column
      () => OrgTable.make(EntityId.make("test_c1"))({ id: text("x") }),
      // @ts-expect-error organizationId is a default column
      () => OrgTable.make(EntityId.make("test_c2"))({ organizationId: text("y") }),
      // @ts-expect-error createdAt is a default column
      () => OrgTable.make(EntityId.make("test_c3"))({ createdAt: text("z") }),
    ];
    // At run time the factory refuses them too, by SQL name.
    for (const attempt of attempts) assert.instanceOf(captureThrow(attempt), TableErrors.DefaultColumnRedefined);
  });

  it("accepts only the three modes", () => {
    // @ts-expect-error not a mode
    OrgTable.make(EntityId.make("test_m1"), { rlsPolicy: "loose" });
    assert.deepStrictEqual(TenantPolicy.RLS_MODES, ["standard", "nullable", "none"]);
  });
});

const captureThrow = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
};
