import { document } from "@beep/documents-tables/schema";
import { Prepared, TenantDb } from "@beep/shared-server";
import { eq } from "drizzle-orm";

/** Built once, when the module loads: Drizzle renders its SQL here, not on every call. */
const byId = Prepared.make(["id"], (db, placeholders) =>
  db.select().from(document).where(eq(document.id, placeholders.id)),
);

/** One statement, one round trip, as the caller's tenant and role: an `Effect` failing with typed database errors. */
export const findDocument = (caller: TenantDb.TenantScope, id: string) =>
  TenantDb.query(caller)(Prepared.run(byId, { id }));
