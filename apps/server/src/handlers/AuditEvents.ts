import { SharedTables } from "@beep/shared-tables";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import { asc, gt } from "drizzle-orm";
import { Api } from "../Api.ts";
import * as Pagination from "../Pagination.ts";
import * as RequestTenant from "../RequestTenant.ts";

const { auditEvent } = SharedTables;

const listEvents = Pagination.listing((db, after) =>
  db
    .select()
    .from(auditEvent)
    .where(after && gt(auditEvent.id, after))
    .orderBy(asc(auditEvent.id))
    .limit(Pagination.LIMIT),
);

export const AuditEventsLive = HttpApiBuilder.group(Api, "auditEvents", (handlers) =>
  handlers.handle("list", ({ urlParams }) => RequestTenant.run(listEvents.last(urlParams))),
);
