import type { SharedEntityIds } from "@beep/shared-domain";
import { jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

// A typed view of `shared_audit_event` until @beep/shared-tables exports its own; it defines no migration.
export const auditEvent = pgTable("shared_audit_event", {
  id: text("id").$type<SharedEntityIds.AuditEventId>().notNull(),
  organizationId: text("organization_id").$type<SharedEntityIds.OrganizationId>().notNull(),
  occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  actorId: text("actor_id").$type<SharedEntityIds.UserId>(),
  action: text("action").notNull(),
  entityType: text("entity_type"),
  entityId: text("entity_id"),
  metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
});
