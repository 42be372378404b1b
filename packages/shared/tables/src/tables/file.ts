import { SharedEntityIds } from "@beep/shared-domain";
import { bigint, index, text } from "drizzle-orm/pg-core";
import * as OrgTable from "../OrgTable.ts";
import { user } from "./user.ts";

export const file = OrgTable.make(SharedEntityIds.FileId)(
  {
    name: text("name").notNull(),
    mimeType: text("mime_type").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    storageKey: text("storage_key").notNull(),
    uploadedBy: text("uploaded_by")
      .$type<SharedEntityIds.UserId>()
      .references(() => user.id, { onDelete: "set null" }),
  },
  (t) => [index("shared_file_organization_id_created_at_idx").on(t.organizationId, t.createdAt)],
);
