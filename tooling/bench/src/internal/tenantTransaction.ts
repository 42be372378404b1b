import { TenantContext } from "@beep/shared-tables";
import type postgres from "postgres";

export interface TenantTransactionOptions {
  /**
   * Also write COMMIT in the same batch, so a one-statement unit of work costs one round trip (an
   * experiment, not what the runtime does). If the statement fails, PostgreSQL answers that COMMIT with a
   * rollback, so nothing half-done is kept.
   */
  readonly commitInBatch?: boolean;
}

/**
 * A tenant transaction on a plain postgres.js pool, for what the runtime's Drizzle handle cannot send (EXPLAIN
 * of a statement's rendered text) and for protocol experiments. Same context as `TenantDb.withOrg`
 * (transaction-local `set_config`), same batching: BEGIN, set_config and the statement in one round trip,
 * then COMMIT.
 */
export const inTenantTransaction = async <T extends ReadonlyArray<postgres.MaybeRow>>(
  sql: postgres.Sql,
  organizationId: string,
  statement: (tx: postgres.Sql) => postgres.PendingQuery<T>,
  options: TenantTransactionOptions = {},
): Promise<postgres.RowList<T>> => {
  const tx = await sql.reserve();
  try {
    const [, , result] = await Promise.all([
      tx`begin`,
      tx`select set_config(${TenantContext.SETTING}, ${organizationId}, true)`,
      statement(tx),
      ...(options.commitInBatch === true ? [tx`commit`] : []),
    ]);
    if (options.commitInBatch !== true) await tx`commit`;
    return result as postgres.RowList<T>;
  } catch (error) {
    await tx`rollback`.catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
};
