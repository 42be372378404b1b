import { EntityId } from "@beep/shared-domain";
import { OrgTable, TableErrors } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import { text } from "drizzle-orm/pg-core";
import { Enforcement, Registry, Roles } from "../src/index.ts";

const statementsFor = (table: string, statements: ReadonlyArray<string>) =>
  statements.filter((statement) => statement.includes(`ON TABLE "${table}"`));

const optOut = OrgTable.make(EntityId.make("test_opt_out"), {
  rlsPolicy: "none",
  reason: "written by an operator job as beep_admin",
})({ data: text("data") });

const readable = OrgTable.make(EntityId.make("test_readable"), {
  rlsPolicy: "none",
  reason: "formats every tenant may use; no tenant data",
  appPrivileges: ["SELECT"],
})({ data: text("data") });

describe("Enforcement.desiredStatements", () => {
  it("a none table without a reason is refused where it is defined", () => {
    assert.throws(
      // @ts-expect-error a none table needs a reason
      () => OrgTable.make(EntityId.make("test_unexplained"), { rlsPolicy: "none" })({ data: text("data") }),
      TableErrors.UndeclaredOptOut,
    );
  });

  it("a none table gets no grant for beep_app unless it declares its privileges; beep_admin gets all four", () => {
    const statements = Enforcement.desiredStatements([optOut, readable]);
    assert.deepStrictEqual(statementsFor("test_opt_out", statements), [
      'REVOKE ALL ON TABLE "test_opt_out" FROM "beep_app";',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "test_opt_out" TO "beep_admin";',
    ]);
    assert.deepStrictEqual(statementsFor("test_readable", statements), [
      'GRANT SELECT ON TABLE "test_readable" TO "beep_app";',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "test_readable" TO "beep_admin";',
    ]);
    // No RLS to force on either.
    assert.isFalse(statements.some((statement) => statement.includes("test_opt_out") && statement.includes("FORCE")));
    assert.deepStrictEqual(Roles.appPrivilegesOf(optOut), []);
    assert.deepStrictEqual(Roles.appPrivilegesOf(readable), ["SELECT"]);
  });

  it("the schema's tables keep their grants: the tenant default or the table's entry", () => {
    const statements = Enforcement.desiredStatements(Registry.tables);
    assert.include(statements, 'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "documents_document" TO "beep_app";');
    assert.include(statements, 'GRANT SELECT, INSERT, UPDATE ON TABLE "shared_user" TO "beep_app";');
  });
});
