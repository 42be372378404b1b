import { TenantTx } from "@beep/shared-server";
import { SharedTables } from "@beep/shared-tables";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import * as RequestTenant from "../RequestTenant.ts";

export const OrganizationLive = HttpApiBuilder.group(Api, "organization", (handlers) =>
  handlers.handle("get", () =>
    RequestTenant.run(
      // The request's one statement: COMMIT goes behind it (one round trip).
      TenantTx.useLast((db) => db.select().from(SharedTables.organization).limit(1)).pipe(
        // RLS shows exactly one row: the caller's own organization, whose membership was just checked.
        Effect.flatMap((rows) =>
          rows[0] === undefined ? Effect.die("organization row not visible") : Effect.succeed(rows[0]),
        ),
      ),
    ),
  ),
);
