import { TenantContext } from "@beep/shared-tables";
import type postgres from "postgres";

/**
 * One statement on the transaction's connection. It must return the query itself (not an async function's
 * promise), so that it is written right after BEGIN and set_config, in the same round trip.
 */
export type Statement<T extends ReadonlyArray<postgres.MaybeRow>> = (tx: postgres.Sql) => postgres.PendingQuery<T>;

/** Which `withOrg` produced the figures; the report names it. */
export const IMPLEMENTATION =
  "stand-in with the same wire protocol as TenantDb.withOrg (tooling/bench/src/TenantTransaction.ts)";

/**
 * STAND-IN, to be replaced by `TenantDb.withOrg` of `@beep/shared-server` once it is on main.
 *
 * The same wire protocol: on a reserved postgres.js connection, BEGIN, `set_config(..., true)` and the first
 * statement are written together (one round trip), then COMMIT (a second one).
 */
export const withOrg = async <T extends ReadonlyArray<postgres.MaybeRow>>(
  sql: postgres.Sql,
  organizationId: string,
  statement: Statement<T>,
): Promise<postgres.RowList<T>> => {
  const tx = await sql.reserve();
  try {
    const [, , result] = await Promise.all([
      tx`begin`,
      tx`select set_config(${TenantContext.SETTING}, ${organizationId}, true)`,
      statement(tx),
    ]);
    await tx`commit`;
    return result;
  } catch (error) {
    await tx`rollback`.catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
};
