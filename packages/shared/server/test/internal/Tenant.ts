import * as TenantDb from "../../src/TenantDb.ts";

/**
 * A unit of work as `organizationId`'s owner (and `userId`, when given): the strongest role of a tenant, the one
 * every isolation test acts as, because isolation must hold for the most powerful role an organization has.
 */
export const asOwner = (organizationId: string, userId?: string) =>
  TenantDb.withContext({ organizationId, userId, role: "owner" });
