import { OrgTable, TenantRole } from "@beep/shared-tables";
import { text, unique } from "drizzle-orm/pg-core";
import * as IamEntityIds from "../IamEntityIds.ts";

/**
 * SSO providers. `nullable`: a row of the shared organization (`TenantContext.SHARED_ORGANIZATION_ID`) is a
 * provider every tenant can use (read) and none can change; a tenant's own providers are private to it.
 */
export const ssoProvider = OrgTable.make(IamEntityIds.SsoProviderId, { rlsPolicy: "nullable" })(
  {
    domain: text("domain").notNull(),
    issuer: text("issuer").notNull(),
  },
  (t) => [
    ...OrgTable.roles(t, TenantRole.managed),
    unique("iam_sso_provider_organization_id_domain_unique").on(t.organizationId, t.domain),
  ],
);
