import { TenantContext } from "@beep/shared-tables";
import type postgres from "postgres";

/**
 * An experiment, not the runtime: a one-statement unit of work with COMMIT written in the same batch as
 * BEGIN, set_config and the statement, so the whole transaction costs one round trip. If the statement
 * fails, PostgreSQL answers that COMMIT with a rollback, so nothing half-done is kept.
 */
export const withOrgOneTrip = async <T extends ReadonlyArray<postgres.MaybeRow>>(
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
      tx`commit`,
    ]);
    return result;
  } catch (error) {
    await tx`rollback`.catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
};
