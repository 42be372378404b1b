import type { SharedEntityIds } from "@beep/shared-domain";
import { Context } from "effect";

/**
 * Who is calling, from verified credentials, and which organization the request names. Membership and role are
 * not here: they are read in the request's own transaction (`RequestTenant.run`), so a removed member or a changed
 * role holds from the next request on.
 */
export interface Session {
  /** The person calling; absent for an API key, which acts as its organization with its own role. */
  readonly userId?: SharedEntityIds.UserId | undefined;
  /** The organization the request acts in; absent when the credentials name none (a person's own routes). */
  readonly organizationId?: SharedEntityIds.OrganizationId | undefined;
  /** An API key's id and the hash of its secret: checked, and its use recorded, in the request's transaction. */
  readonly apiKey?: { readonly id: string; readonly secretHash: string } | undefined;
}

export class CurrentSession extends Context.Tag("@beep/server/CurrentSession")<CurrentSession, Session>() {}
