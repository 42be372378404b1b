import { SharedEntityIds } from "@beep/shared-domain";
import { SharedTables } from "@beep/shared-tables";
import { Effect } from "effect";
import { CurrentSession } from "./CurrentSession.ts";
import * as Sql from "./internal/Sql.ts";

export interface Entry {
  readonly action: string;
  /** The entity's table, e.g. `documents_document`. */
  readonly entityType: string;
  readonly entityId: string;
}

/**
 * Appends an audit event in the current tenant transaction: it commits exactly when the change
 * it describes commits. The organization is the transaction's own.
 */
export const record = (
  actorId: SharedEntityIds.UserId,
  organizationId: SharedEntityIds.OrganizationId,
  entry: Entry,
): Effect.Effect<void, Sql.StatementRejected | Sql.DatabaseDown, Sql.Tx> =>
  Sql.query((db) =>
    db.insert(SharedTables.auditEvent).values({
      id: SharedEntityIds.AuditEventId.create(),
      organizationId,
      actorId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
    }),
  ).pipe(Effect.asVoid);

/** `record` for the authenticated caller. */
export const recordForSession = (entry: Entry) =>
  Effect.flatMap(CurrentSession, (session) => record(session.userId, session.organizationId, entry));
