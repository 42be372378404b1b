import { SharedEntityIds } from "@beep/shared-domain";
import { type DbErrors, TenantTx } from "@beep/shared-server";
import { SharedTables } from "@beep/shared-tables";
import { Effect } from "effect";

export interface Entry {
  /** `<entity>.<verb>`, e.g. `document.updated`. */
  readonly action: string;
  /** The entity's table, e.g. `documents_document`. */
  readonly entityType: string;
  readonly entityId: string;
}

/**
 * Appends an audit event in the current tenant transaction, for the transaction's organization: it
 * commits exactly when the change it describes commits, and never without it. It is a write's last statement, so
 * COMMIT is written right behind it (`TenantTx.useLast`): the write ends in its round trip. A statement after it
 * is refused (the unit has committed); only the handler's answer may follow.
 */
export const record = (
  actorId: SharedEntityIds.UserId | null,
  entry: Entry,
): Effect.Effect<void, DbErrors.DbError, TenantTx.TenantTx> =>
  TenantTx.useLast((db, organizationId) =>
    db.insert(SharedTables.auditEvent).values({
      id: SharedEntityIds.AuditEventId.create(),
      organizationId,
      actorId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
    }),
  ).pipe(Effect.asVoid);

/** `record` with the transaction's user (none for an API key) as the actor. */
export const recordForSession = (entry: Entry) =>
  Effect.flatMap(TenantTx.TenantTx, (tx) => record(tx.userId ?? null, entry));
