import type { SharedEntityIds } from "@beep/shared-domain";
import { Context, type Effect } from "effect";
import type { DatabaseDown, Tx } from "./Sql.ts";

/**
 * What the server needs from the tenant runtime: run an effect in one transaction scoped to an
 * organization (RLS context set), and check that the database answers.
 */
export interface TenancyShape {
  readonly withOrg: (
    organizationId: SharedEntityIds.OrganizationId,
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | DatabaseDown, Exclude<R, Tx>>;
  readonly ping: Effect.Effect<void, DatabaseDown>;
}

export class Tenancy extends Context.Tag("@beep/server/internal/Tenancy")<Tenancy, TenancyShape>() {}
