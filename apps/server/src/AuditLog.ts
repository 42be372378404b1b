import { SharedEntityIds } from "@beep/shared-domain";
import { type DbErrors, TenantTx } from "@beep/shared-server";
import { SharedTables } from "@beep/shared-tables";
import { Effect } from "effect";
import { CurrentSession } from "./CurrentSession.ts";

export interface Entry {
  /** `<entity>.<verb>`, e.g. `document.updated`. */
  readonly action: string;
  /** The entity's table, e.g. `documents_document`. */
  readonly entityType: string;
  readonly entityId: string;
}

/**
 * Appends an audit event in the current tenant transaction, for the transaction's organization: it
 * commits exactly when the change it describes commits, and never without it.
 */
export const record = (
  actorId: SharedEntityIds.UserId,
  entry: Entry,
): Effect.Effect<void, DbErrors.DbError, TenantTx.TenantTx> =>
  TenantTx.use((db, organizationId) =>
    db.insert(SharedTables.auditEvent).values({
      id: SharedEntityIds.AuditEventId.create(),
      organizationId,
      actorId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
    }),
  ).pipe(Effect.asVoid);

/** `record` with the authenticated caller as the actor. */
export const recordForSession = (entry: Entry) =>
  Effect.flatMap(CurrentSession, (session) => record(session.userId, entry));
