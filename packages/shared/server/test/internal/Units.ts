import { discussion, document } from "@beep/documents-tables/schema";
import * as TenantTx from "../../src/TenantTx.ts";

/** Two rows in one unit of work: a document and its discussion. Afterwards both exist or neither does. */
export const documentWithDiscussion = (i: number) =>
  TenantTx.use(async (db) => {
    const [created] = await db
      .insert(document)
      .values({ title: `unit ${i}` })
      .returning();
    if (created === undefined) throw new Error("no document");
    await db.insert(discussion).values({ documentId: created.id, title: `about ${i}` });
  });
