import { TenantContext } from "@beep/shared-tables";
import type postgres from "postgres";

/**
 * A tenant transaction on a plain postgres.js pool, for what the runtime's Drizzle handle cannot send: EXPLAIN
 * of a statement's rendered text with its parameters. Same context as `TenantDb.withOrg` (transaction-local
 * `set_config`), same batching: BEGIN, set_config and the statement in one round trip, then COMMIT.
 */
export const inTenantTransaction = async <T extends ReadonlyArray<postgres.MaybeRow>>(
  sql: postgres.Sql,
  organizationId: string,
  statement: (tx: postgres.Sql) => postgres.PendingQuery<T>,
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
