import { TenantTx } from "@beep/shared-server";
import { SharedTables } from "@beep/shared-tables";
import { HttpApiBuilder } from "@effect/platform";
import { asc, gt } from "drizzle-orm";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import * as Pagination from "../Pagination.ts";
import * as RequestTenant from "../RequestTenant.ts";

export const AuditEventsLive = HttpApiBuilder.group(Api, "auditEvents", (handlers) =>
  handlers.handle("list", ({ urlParams }) =>
    RequestTenant.run(
      TenantTx.use((db) =>
        db
          .select()
          .from(SharedTables.auditEvent)
          .where(urlParams.cursor === undefined ? undefined : gt(SharedTables.auditEvent.id, urlParams.cursor))
          .orderBy(asc(SharedTables.auditEvent.id))
          .limit(urlParams.limit + 1),
      ).pipe(Effect.map((rows) => Pagination.fromRows(rows, urlParams.limit))),
    ),
  ),
);
