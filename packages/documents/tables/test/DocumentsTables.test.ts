import { TableShape, TenantRole } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import { is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { DocumentsTables } from "../src/index.ts";

const ORG_FK = TableShape.ORGANIZATION_FOREIGN_KEY;
const standard = TableShape.standardTenant;

/** What people write: `TenantRole.authored`, keyed by the author column. */
const authored = TenantRole.authored({ name: "author_id" });

describe("documents tables", () => {
  it("document: members read and create, change and delete their own; admins any", () => {
    assert.deepStrictEqual(TableShape.of(DocumentsTables.document), {
      ...standard("documents_document"),
      policies: [
        "delete_admin_documents_document permissive delete",
        "delete_member_own_documents_document permissive delete",
        "insert_member_documents_document permissive insert",
        "select_member_documents_document permissive select",
        "tenant_isolation_documents_document restrictive all",
        "update_admin_documents_document permissive update",
        "update_member_own_documents_document permissive update",
      ],
      uniques: [],
      foreignKeys: [ORG_FK, "(author_id) -> shared_user(id)"].sort(),
    });
  });

  it("document_version: one row per document and version, inside the organization", () => {
    assert.deepStrictEqual(TableShape.of(DocumentsTables.documentVersion), {
      ...standard("documents_document_version", authored),
      uniques: [["organization_id", "document_id", "version"]],
      foreignKeys: [
        ORG_FK,
        "(author_id) -> shared_user(id)",
        "(organization_id, document_id) -> documents_document(organization_id, id)",
      ].sort(),
    });
  });

  it("discussion and comment", () => {
    assert.deepStrictEqual(TableShape.of(DocumentsTables.discussion), {
      ...standard("documents_discussion", authored),
      uniques: [],
      foreignKeys: [
        ORG_FK,
        "(author_id) -> shared_user(id)",
        "(organization_id, document_id) -> documents_document(organization_id, id)",
      ].sort(),
    });
    assert.deepStrictEqual(TableShape.of(DocumentsTables.comment), {
      ...standard("documents_comment", authored),
      uniques: [],
      foreignKeys: [
        ORG_FK,
        "(author_id) -> shared_user(id)",
        "(organization_id, discussion_id) -> documents_discussion(organization_id, id)",
      ].sort(),
    });
  });

  it("document_file: both references stay in the organization; shared (members read and create, admins change)", () => {
    assert.deepStrictEqual(TableShape.of(DocumentsTables.documentFile), {
      ...standard("documents_document_file"),
      policies: [
        "delete_admin_documents_document_file permissive delete",
        "insert_member_documents_document_file permissive insert",
        "select_member_documents_document_file permissive select",
        "tenant_isolation_documents_document_file restrictive all",
        "update_admin_documents_document_file permissive update",
      ],
      uniques: [["organization_id", "document_id", "file_id"]],
      foreignKeys: [
        ORG_FK,
        "(organization_id, document_id) -> documents_document(organization_id, id)",
        "(organization_id, file_id) -> shared_file(organization_id, id)",
      ].sort(),
    });
  });

  it("has no hand-written tenant policy: every policy comes from the factory or a preset's grants", () => {
    let tables = 0;
    for (const table of Object.values(DocumentsTables)) {
      if (!is(table, PgTable)) continue;
      tables += 1;
      const shape = TableShape.of(table);
      const grants = shape.name === "documents_document_file" ? TenantRole.shared : authored;
      assert.deepStrictEqual(shape.policies, TableShape.expectedTenantPolicies(shape.name, "standard", grants));
    }
    assert.strictEqual(tables, 5);
  });
});
