import type { SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables, TenantRole } from "@beep/shared-tables";
import { index, text } from "drizzle-orm/pg-core";
import * as DocumentsEntityIds from "../DocumentsEntityIds.ts";

export const DOCUMENT_STATUSES = ["draft", "published", "archived"] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export const document = OrgTable.make(DocumentsEntityIds.DocumentId)(
  {
    title: text("title").notNull(),
    content: text("content").notNull().default(""),
    status: text("status").$type<DocumentStatus>().notNull().default("draft"),
    authorId: text("author_id")
      .$type<SharedEntityIds.UserId>()
      .references(() => SharedTables.user.id, { onDelete: "set null" }),
  },
  (t) => [
    ...OrgTable.roles(t, TenantRole.authored(t.authorId)),
    index("documents_document_organization_id_created_at_idx").on(t.organizationId, t.createdAt.desc()),
  ],
);
