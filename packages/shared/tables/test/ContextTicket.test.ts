import { createHash } from "node:crypto";
import { assert, describe, it } from "@effect/vitest";
import { ContextTicket } from "../src/index.ts";

const KEY = "a-context-key-for-the-unit-tests-0123456789";
const ORG = "shared_organization__01a23600-0000-7000-8000-000000000001";
const USER = "shared_user__01a23600-0000-7000-8000-000000000002";

/** HMAC as the database computes it: sha256(outer || sha256(inner || message)), from the stored pads. */
const hmacFromPads = (key: string, message: string) => {
  const { inner, outer } = ContextTicket.pads(key);
  const innerHash = createHash("sha256").update(inner).update(message, "utf8").digest();
  return createHash("sha256").update(outer).update(innerHash).digest("hex");
};

describe("ContextTicket", () => {
  it("a ticket is version, claims, a 16-digit expiry and an HMAC the stored pads reproduce", () => {
    const ticket = ContextTicket.signer(KEY)({ organizationId: ORG, userId: USER }, 1_000, 60_000);
    const fields = ticket.split(":");
    assert.deepStrictEqual(fields.slice(0, 5), ["v1", ORG, USER, "", "0000000000061000"]);
    const body = fields.slice(0, 5).join(":");
    assert.strictEqual(fields[5], hmacFromPads(KEY, body));
    assert.lengthOf(fields[5] ?? "", 64);
  });

  it("the role is the fourth field, covered by the MAC; a role with a ':' is refused", () => {
    const sign = ContextTicket.signer(KEY);
    const ticket = sign({ organizationId: ORG, userId: USER, role: "owner" }, 1_000, 60_000);
    const fields = ticket.split(":");
    assert.deepStrictEqual(fields.slice(0, 5), ["v1", ORG, USER, "owner", "0000000000061000"]);
    assert.strictEqual(fields[5], hmacFromPads(KEY, fields.slice(0, 5).join(":")));
    const member = sign({ organizationId: ORG, userId: USER, role: "member" }, 1_000, 60_000);
    assert.notStrictEqual(member.split(":")[5], fields[5]);
    assert.throws(() => sign({ organizationId: ORG, role: "owner:admin" }), /role contains ":"/);
  });

  it("the role migration adds beep.current_role() and enter_tenant with a role, for beep_admin only", () => {
    const statements = ContextTicket.roleStatements({ admin: "beep_admin" }).join("\n");
    assert.include(statements, "FUNCTION beep.current_role()");
    assert.include(statements, "pg_catalog.split_part(t, ':', 4)");
    assert.include(statements, "GRANT EXECUTE ON FUNCTION beep.current_role() TO PUBLIC;");
    assert.include(statements, "DROP FUNCTION IF EXISTS beep.enter_tenant(text, text);");
    assert.include(statements, "REVOKE ALL ON FUNCTION beep.enter_tenant(text, text, text) FROM PUBLIC;");
    assert.include(statements, 'GRANT EXECUTE ON FUNCTION beep.enter_tenant(text, text, text) TO "beep_admin";');
  });

  it("the check functions are PL/pgSQL, SECURITY DEFINER, STABLE, with search_path pinned; the role-bound ones test the role", () => {
    const statements = ContextTicket.checkStatements();
    const functions = statements.filter((statement) => statement.startsWith("CREATE OR REPLACE FUNCTION"));
    assert.deepStrictEqual(
      functions.map((statement) => statement.split("\n")[0]),
      [
        "CREATE OR REPLACE FUNCTION beep.current_org_id()",
        "CREATE OR REPLACE FUNCTION beep.current_user_id()",
        "CREATE OR REPLACE FUNCTION beep.current_role()",
        "CREATE OR REPLACE FUNCTION beep.current_org_id_for(VARIADIC roles text[])",
        "CREATE OR REPLACE FUNCTION beep.current_user_id_for(VARIADIC roles text[])",
      ],
    );
    for (const statement of functions) {
      assert.include(statement, "LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE");
      assert.include(statement, "SET search_path = pg_catalog, pg_temp");
      assert.strictEqual(statement.includes("= ANY (roles)"), statement.includes("VARIADIC roles"));
    }
    assert.include(statements, "GRANT EXECUTE ON FUNCTION beep.current_user_id_for(text[]) TO PUBLIC;");
  });

  it("another key, another organization or another expiry gives another MAC", () => {
    const sign = ContextTicket.signer(KEY);
    const mac = (ticket: string) => ticket.split(":")[5];
    const base = sign({ organizationId: ORG }, 0);
    assert.notStrictEqual(mac(ContextTicket.signer(`${KEY}x`)({ organizationId: ORG }, 0)), mac(base));
    assert.notStrictEqual(mac(sign({ organizationId: `${ORG.slice(0, -1)}2` }, 0)), mac(base));
    assert.notStrictEqual(mac(sign({ organizationId: ORG }, 1)), mac(base));
  });

  it("refuses short keys and claims that would change the ticket's shape", () => {
    assert.throws(() => ContextTicket.signer("short"), /at least 32 characters/);
    const sign = ContextTicket.signer(KEY);
    assert.throws(() => sign({ organizationId: "a:b" }), /organization contains ":"/);
    assert.throws(() => sign({ organizationId: ORG, userId: "u\u0000" }), /user contains/);
    assert.throws(() => sign({ organizationId: "" }), /no organization/);
  });

  it("the migration names the setting, the key table and both check functions", () => {
    const statements = ContextTicket.migrationStatements({ app: "beep_app", admin: "beep_admin" }).join("\n");
    for (const needle of [
      "beep.current_org_id()",
      "beep.current_user_id()",
      "beep_private.context_key",
      "'beep.context'",
    ]) {
      assert.include(statements, needle);
    }
    assert.include(statements, "SECURITY DEFINER");
    assert.include(statements, "SET search_path = pg_catalog, pg_temp");
  });
});
