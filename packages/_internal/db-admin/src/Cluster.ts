import { Effect } from "effect";
import * as ContextKey from "./ContextKey.ts";
import * as Distribution from "./Distribution.ts";
import * as Sql from "./internal/sql.ts";
import { MigrationUnavailable } from "./MigrationErrors.ts";
import { ADMIN_ROLE } from "./Roles.ts";
import * as ShardPolicies from "./ShardPolicies.ts";

/** What `db:migrate` does on a database with the Citus extension, after the migrations. */

export type ClusterError =
  | Distribution.DistributionFailed
  | ShardPolicies.ShardPoliciesDiffer
  | ContextKey.KeyNotOnWorkers
  | MigrationUnavailable;

export interface SettleResult {
  readonly distributed: ReadonlyArray<Distribution.Placement>;
  /** Tables whose shard placements had their policies put right. */
  readonly repaired: ReadonlyArray<string>;
  /** Workers whose copy of the context key changed. */
  readonly keysCopied: number;
}

export const isCitus = (url: string): Effect.Effect<boolean, MigrationUnavailable> =>
  Sql.use(url, Distribution.isCitus, (cause) => new MigrationUnavailable({ cause }));

/**
 * The coordinator opens its connections to the workers as the role the statement runs as: a system job's
 * `SET ROLE beep_admin` needs `beep_admin` to log in there. It gets LOGIN and no password (a login then needs the
 * cluster's own authentication between nodes, certificates or trust on its network, see docs/scale-out.md).
 * True when it changed something.
 */
const adminCanLogIn = (url: string) =>
  Sql.use(
    url,
    async (sql) => {
      const [role] = await sql`select rolcanlogin from pg_roles where rolname = ${ADMIN_ROLE}`;
      if (role === undefined || role.rolcanlogin === true) return false;
      await sql.unsafe(`ALTER ROLE "${ADMIN_ROLE}" LOGIN`);
      return true;
    },
    (cause) => new MigrationUnavailable({ cause }),
  );

/**
 * Distributes what is not distributed yet, puts every shard placement's policies right, and gives every worker the
 * context key, in that order (a table's shards exist before their policies are checked, and the key before a
 * tenant's query reaches them). Without the extension: undefined, nothing done.
 */
export const settle = (
  url: string,
  options: {
    readonly shardCount?: number | undefined;
    readonly log?: ((line: string) => Effect.Effect<void>) | undefined;
  } = {},
): Effect.Effect<SettleResult | undefined, ClusterError> =>
  Effect.gen(function* () {
    if (!(yield* isCitus(url))) return undefined;
    const log = options.log ?? (() => Effect.void);
    const distributed = yield* Distribution.apply(url, { shardCount: options.shardCount });
    for (const placement of distributed) yield* log(`citus: ${Distribution.describe(placement)}`);
    const repaired = yield* ShardPolicies.repair(url);
    for (const table of repaired) yield* log(`citus: put the policies of ${table}'s shards right`);
    if (yield* adminCanLogIn(url))
      yield* log(`citus: ${ADMIN_ROLE} may log in (the coordinator reaches the workers as it)`);
    const keysCopied = yield* ContextKey.copyToWorkers(url, ADMIN_ROLE);
    if (keysCopied > 0) yield* log(`citus: put the context key on ${keysCopied} workers`);
    return { distributed, repaired, keysCopied };
  });
