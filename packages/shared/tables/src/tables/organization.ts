import { SharedEntityIds } from "@beep/shared-domain";
import { text } from "drizzle-orm/pg-core";
import * as Table from "../Table.ts";
import { drizzlePolicies } from "../TenantPolicy.ts";

/** The tenant root. A tenant sees and writes only its own row: its `id` is the tenant context. */
export const organization = Table.withRls(
  Table.make(SharedEntityIds.OrganizationId)({ name: text("name").notNull() }, () =>
    drizzlePolicies(SharedEntityIds.OrganizationId.tableName, "standard", { column: "id" }),
  ),
);
