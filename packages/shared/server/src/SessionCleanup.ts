/**
 * How a unit of work ends: what `TenantDb` and `SystemDb` send with COMMIT or ROLLBACK so that nothing of one
 * unit of work reaches the next on the same connection. Public so that a protocol written by hand (the bench's
 * plain postgres.js side) sends exactly the same.
 *
 * What a unit of work may have left in its session that the next one, another tenant's, would inherit: SQL-level
 * prepared statements and a temporary schema cannot be undone here, so they send the connection away.
 */
export const RESIDUE_SQL =
  "exists (select from pg_catalog.pg_prepared_statements where from_sql) or pg_catalog.pg_my_temp_schema() <> 0";
/** Session settings, WITH HOLD cursors, LISTEN and session advisory locks are undone in the closing message. */
export const CLEANUP_SQL = `reset all; close all; unlisten *; select pg_catalog.pg_advisory_unlock_all(), ${RESIDUE_SQL} as residue`;

// One message each, so closing a unit of work costs no extra round trip. COMMIT goes last, so the cleanup
// commits with the unit; after a ROLLBACK the cleanup runs on its own.
export const CLOSING = { commit: `${CLEANUP_SQL}; commit`, rollback: `rollback; ${CLEANUP_SQL}` } as const;

export const hasResidue = (results: unknown): boolean =>
  (Array.isArray(results) ? results.flat(2) : []).some(
    (row) => typeof row === "object" && row !== null && (row as { residue?: unknown }).residue === true,
  );
