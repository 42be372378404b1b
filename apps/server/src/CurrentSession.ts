import type { SharedEntityIds } from "@beep/shared-domain";
import { Context } from "effect";

/** Who is calling and for which organization, from a verified token (membership is checked per request). */
export interface Session {
  readonly userId: SharedEntityIds.UserId;
  readonly organizationId: SharedEntityIds.OrganizationId;
}

export class CurrentSession extends Context.Tag("@beep/server/CurrentSession")<CurrentSession, Session>() {}
