import type { SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables, TenantRole } from "@beep/shared-tables";
import { text, unique } from "drizzle-orm/pg-core";
import * as DocumentsEntityIds from "../DocumentsEntityIds.ts";
import { document } from "./document.ts";

/** A file attached to a document; both must belong to the same organization. */
export const documentFile = OrgTable.make(DocumentsEntityIds.DocumentFileId)(
  {
    documentId: text("document_id").$type<DocumentsEntityIds.DocumentId>().notNull(),
    fileId: text("file_id").$type<SharedEntityIds.FileId>().notNull(),
  },
  (t) => [
    ...OrgTable.roles(t, TenantRole.shared),
    OrgTable.reference(t, { columns: [t.documentId], foreignColumns: [document.id] }).onDelete("cascade"),
    OrgTable.reference(t, { columns: [t.fileId], foreignColumns: [SharedTables.file.id] }).onDelete("cascade"),
    unique("documents_document_file_org_document_file_unique").on(t.organizationId, t.documentId, t.fileId),
  ],
);
