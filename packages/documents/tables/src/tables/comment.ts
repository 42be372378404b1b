import type { SharedEntityIds } from "@beep/shared-domain";
import { OrgTable, SharedTables, TenantRole } from "@beep/shared-tables";
import { index, text } from "drizzle-orm/pg-core";
import * as DocumentsEntityIds from "../DocumentsEntityIds.ts";
import { discussion } from "./discussion.ts";

export const comment = OrgTable.make(DocumentsEntityIds.CommentId)(
  {
    discussionId: text("discussion_id").$type<DocumentsEntityIds.DiscussionId>().notNull(),
    body: text("body").notNull(),
    authorId: text("author_id")
      .$type<SharedEntityIds.UserId>()
      .references(() => SharedTables.user.id, { onDelete: "set null" }),
  },
  (t) => [
    ...OrgTable.roles(t, TenantRole.authored(t.authorId)),
    OrgTable.reference(t, { columns: [t.discussionId], foreignColumns: [discussion.id] }).onDelete("cascade"),
    index("documents_comment_organization_id_discussion_id_idx").on(t.organizationId, t.discussionId),
  ],
);
