import { OrgTable, TenantRole } from "@beep/shared-tables";
import { text, unique } from "drizzle-orm/pg-core";
import * as IamEntityIds from "../IamEntityIds.ts";

/** A custom role of one organization, with the permissions it grants. */
export const organizationRole = OrgTable.make(IamEntityIds.OrganizationRoleId)(
  {
    name: text("name").notNull(),
    permissions: text("permissions").array().notNull().default([]),
  },
  (t) => [
    ...OrgTable.roles(t, TenantRole.managed),
    unique("iam_organization_role_organization_id_name_unique").on(t.organizationId, t.name),
  ],
);
