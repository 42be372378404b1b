import { Db, SessionCleanup, TenantDb } from "@beep/shared-server";
import type { ContextTicket } from "@beep/shared-tables";
import { Effect } from "effect";
import type postgres from "postgres";
import { ROLE } from "../TenantRuntime.ts";

/** Signs the ticket of one unit of work: `ContextTicket.signer(key)`, made once per key (the key is hashed once). */
export type Signer = (claims: ContextTicket.Claims) => string;

const { CLOSING, hasResidue } = SessionCleanup;

// The unit's timeouts as the runtime side reads them (Config, defaults when unset), so both sides send the same.
const SETTINGS = Db.unitSettings(Effect.runSync(Db.settings));

/** The prelude's check did not return the organization: the key is not the one installed in the database. */
export class ContextRejected extends Error {
  constructor(organizationId: string) {
    super(`the database did not accept the context ticket for ${organizationId}: wrong or missing context key`);
  }
}

export interface TenantTransactionOptions {
  /** The ticket's claims besides the organization (default: `TenantRuntime.ROLE`, no user). */
  readonly claims?: Omit<ContextTicket.Claims, "organizationId">;
}

/**
 * A tenant transaction on a plain postgres.js pool, for what the runtime's Drizzle handle cannot send (EXPLAIN
 * of a statement's rendered text) and for protocol experiments: the runtime's protocol (`TenantDb.withContext`)
 * without the runtime. A ticket signed for this unit of work (as `TenantRuntime.ROLE`, as the runtime side); BEGIN, the same prelude (the ticket, a pinned
 * search_path and `beep.current_org_id()` to check it) and the statement written together; then, once the
 * check is read, the same closing message (session cleanup and COMMIT, simple protocol).
 */
export const inTenantTransaction = async <R>(
  sql: postgres.Sql,
  sign: Signer,
  organizationId: string,
  // One statement, or several sent one after the other: the first goes out with BEGIN and the prelude. `commit`
  // writes the closing message (cleanup and COMMIT) at once, behind the queries the statement has executed, as
  // `TenantTx.useLast` does; a query only awaited goes out a microtask later, so execute it first. If a statement
  // before it fails, the transaction is aborted, the closing message fails at its first command and the ROLLBACK
  // that follows ends it; the ticket's check is then read only after COMMIT.
  statement: (tx: postgres.Sql, commit: () => void) => PromiseLike<R>,
  options: TenantTransactionOptions = {},
): Promise<R> => {
  const ticket = sign({ organizationId, ...(options.claims ?? { role: ROLE }) });
  const tx = await sql.reserve();
  let closed = false;
  let written: Promise<postgres.RowList<postgres.Row[]>> | undefined;
  const commit = () => {
    written ??= tx.unsafe(CLOSING.commit).simple().execute();
    written.catch(() => {});
  };
  try {
    // Written in this order, without waiting on each other: postgres.js pipelines them on the connection.
    const [, context, result] = await Promise.all([
      // postgres.js sends a query once it is executed or awaited: these two go before what `statement` awaits.
      tx.unsafe("begin").execute(),
      tx.unsafe(TenantDb.PRELUDE_SQL, TenantDb.preludeParameters(ticket, SETTINGS), { prepare: true }).execute(),
      statement(tx, commit),
    ]);
    const batched = written;
    if (batched !== undefined) closed = true;
    if (context?.[0]?.org !== organizationId) throw new ContextRejected(organizationId);
    const closing = batched !== undefined ? await batched : await tx.unsafe(CLOSING.commit).simple();
    closed = true;
    // The runtime closes such a connection; the bench's statements never leave any, so it is an error here.
    if (hasResidue(closing)) throw new Error("the unit of work left session state the cleanup cannot undo");
    return result;
  } catch (error) {
    if (!closed)
      await tx
        .unsafe(CLOSING.rollback)
        .simple()
        .catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
};
