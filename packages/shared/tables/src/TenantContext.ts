import { sql } from "drizzle-orm";

/** The transaction-local setting that carries the current organization. */
export const SETTING = "app.current_org_id";

/**
 * The current organization as SQL sees it. An unset or empty setting is NULL, and NULL
 * never equals an organization id: no context means no rows.
 */
export const CURRENT_ORG_ID_SQL = `NULLIF(current_setting('${SETTING}', true), '')`;

export const currentOrgId = () => sql.raw(CURRENT_ORG_ID_SQL);
