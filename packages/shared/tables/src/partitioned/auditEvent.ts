import { SharedEntityIds } from "@beep/shared-domain";
import { index, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { idColumn } from "../internal/columns.ts";
import * as Table from "../Table.ts";
import { currentOrgId } from "../TenantContext.ts";
import { drizzlePolicies } from "../TenantPolicy.ts";
import { organization } from "../tables/organization.ts";

const name = SharedEntityIds.AuditEventId.tableName;

/**
 * The audit trail: append-only, partitioned by month on `occurred_at`. drizzle-kit cannot create a
 * partitioned table, so this shape is for typed queries only and stays out of the `/schema` entry;
 * the table, its partitions and their isolation come from a migration rendered by `@beep/db-admin`.
 * It declares the same tenant policies as an `OrgTable`, so audits compare the database with them.
 */
export const auditEvent = Table.withRls(
  pgTable(
    name,
    {
      id: idColumn(SharedEntityIds.AuditEventId),
      organizationId: text("organization_id")
        .$type<SharedEntityIds.OrganizationId>()
        .notNull()
        .default(currentOrgId())
        .references(() => organization.id, { onDelete: "cascade" }),
      occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
      // No foreign key: the trail keeps naming an actor after the user is gone.
      actorId: text("actor_id").$type<SharedEntityIds.UserId>(),
      action: text("action").notNull(),
      entityType: text("entity_type"),
      entityId: text("entity_id"),
      metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    },
    (t) => [
      // The partition key must be part of every unique key of a partitioned table.
      primaryKey({ name: `${name}_pkey`, columns: [t.organizationId, t.id, t.occurredAt] }),
      index(`${name}_organization_id_occurred_at_idx`).on(t.organizationId, t.occurredAt),
      ...drizzlePolicies(name, "standard"),
    ],
  ),
);
