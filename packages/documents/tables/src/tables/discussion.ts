import type { SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables, TenantRole } from "@beep/shared-tables";
import { boolean, index, text } from "drizzle-orm/pg-core";
import * as DocumentsEntityIds from "../DocumentsEntityIds.ts";
import { document } from "./document.ts";

export const discussion = OrgTable.make(DocumentsEntityIds.DiscussionId)(
  {
    documentId: text("document_id").$type<DocumentsEntityIds.DocumentId>().notNull(),
    title: text("title").notNull(),
    resolved: boolean("resolved").notNull().default(false),
    authorId: text("author_id")
      .$type<SharedEntityIds.UserId>()
      .references(() => SharedTables.user.id, { onDelete: "set null" }),
  },
  (t) => [
    ...OrgTable.roles(t, TenantRole.authored(t.authorId)),
    OrgTable.reference(t, { columns: [t.documentId], foreignColumns: [document.id] }).onDelete("cascade"),
    index("documents_discussion_organization_id_document_id_idx").on(t.organizationId, t.documentId),
  ],
);
