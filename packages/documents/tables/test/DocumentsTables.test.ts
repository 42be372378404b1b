import { TableShape } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import { is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { DocumentsTables } from "../src/index.ts";

const ORG_FK = TableShape.ORGANIZATION_FOREIGN_KEY;
const standard = TableShape.standardTenant;

describe("documents tables", () => {
  it("document", () => {
    assert.deepStrictEqual(TableShape.of(DocumentsTables.document), {
      ...standard("documents_document"),
      uniques: [],
      foreignKeys: [ORG_FK, "(author_id) -> shared_user(id)"].sort(),
    });
  });

  it("document_version: one row per document and version, inside the organization", () => {
    assert.deepStrictEqual(TableShape.of(DocumentsTables.documentVersion), {
      ...standard("documents_document_version"),
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
      ...standard("documents_discussion"),
      uniques: [],
      foreignKeys: [
        ORG_FK,
        "(author_id) -> shared_user(id)",
        "(organization_id, document_id) -> documents_document(organization_id, id)",
      ].sort(),
    });
    assert.deepStrictEqual(TableShape.of(DocumentsTables.comment), {
      ...standard("documents_comment"),
      uniques: [],
      foreignKeys: [
        ORG_FK,
        "(author_id) -> shared_user(id)",
        "(organization_id, discussion_id) -> documents_discussion(organization_id, id)",
      ].sort(),
    });
  });

  it("document_file: both references stay in the organization", () => {
    assert.deepStrictEqual(TableShape.of(DocumentsTables.documentFile), {
      ...standard("documents_document_file"),
      uniques: [["organization_id", "document_id", "file_id"]],
      foreignKeys: [
        ORG_FK,
        "(organization_id, document_id) -> documents_document(organization_id, id)",
        "(organization_id, file_id) -> shared_file(organization_id, id)",
      ].sort(),
    });
  });

  it("has no hand-written tenant policy: every policy comes from the factory", () => {
    for (const table of Object.values(DocumentsTables)) {
      if (!is(table, PgTable)) continue;
      const shape = TableShape.of(table);
      assert.deepStrictEqual(shape.policies, TableShape.expectedTenantPolicies(shape.name, "standard"));
    }
  });
});
