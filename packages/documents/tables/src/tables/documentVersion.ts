import type { SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables, TenantRole } from "@beep/shared-tables";
import { integer, text, unique } from "drizzle-orm/pg-core";
import * as DocumentsEntityIds from "../DocumentsEntityIds.ts";
import { document } from "./document.ts";

export const documentVersion = OrgTable.make(DocumentsEntityIds.DocumentVersionId)(
  {
    documentId: text("document_id").$type<DocumentsEntityIds.DocumentId>().notNull(),
    version: integer("version").notNull(),
    title: text("title").notNull(),
    content: text("content").notNull(),
    authorId: text("author_id")
      .$type<SharedEntityIds.UserId>()
      .references(() => SharedTables.user.id, { onDelete: "set null" }),
  },
  (t) => [
    ...OrgTable.roles(t, TenantRole.authored(t.authorId)),
    OrgTable.reference(t, { columns: [t.documentId], foreignColumns: [document.id] }).onDelete("cascade"),
    unique("documents_document_version_org_document_version_unique").on(t.organizationId, t.documentId, t.version),
  ],
);
