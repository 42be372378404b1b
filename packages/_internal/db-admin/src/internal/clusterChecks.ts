import { TenantContext } from "@beep/shared-tables";
import type { PgTable } from "drizzle-orm/pg-core";
import { Effect } from "effect";
import type postgres from "postgres";
import * as Distribution from "../Distribution.ts";
import { MigrationUnavailable } from "../MigrationErrors.ts";
import * as ShardPolicies from "../ShardPolicies.ts";
import { type Problem, problem, type Subject, subject } from "./report.ts";
import * as Sql from "./sql.ts";

/**
 * `db:verify`'s checks of a Citus cluster, from its coordinator: each table held as `Distribution.plan` says, each
 * shard placement's row security and policies as its table's (`ShardPolicies.differences`), and every worker with
 * the coordinator's context key (a shard's policies check tickets with the key of the node it is on).
 */

/** The name of the check row for the workers' keys. */
export const WORKER_KEY_CHECK = "context key on every worker";

/** How Citus holds a table: `local` is a plain table the coordinator keeps to itself. */
export type HeldKind = "local" | "distributed" | "reference" | "citus-local" | "single-shard";

export interface Held {
  /** As `regclass` prints it, like `ShardPolicies.Difference.table`. */
  readonly name: string;
  readonly kind: HeldKind;
  /** The distribution column of a distributed table. */
  readonly column: string | null;
  readonly colocation: number | null;
}

/** A worker's copy of the key: the digest of its pads (null: no row), or why it could not be read. */
export type WorkerKey =
  | { readonly node: string; readonly digest: string | null }
  | { readonly node: string; readonly error: string };

export interface ClusterState {
  /** The planned tables that exist and every table Citus knows (partitions included). */
  readonly tables: ReadonlyArray<Held>;
  /** The digest of the coordinator's key; null when it has none (the `context key` check reports that). */
  readonly key: string | null;
  readonly workerKeys: ReadonlyArray<WorkerKey>;
}

const KEY_TABLE = `${TenantContext.PRIVATE_SCHEMA}.context_key`;

// A digest, never the pads: the report and the logs must not carry the key.
const KEY_DIGEST_SQL = `SELECT encode(sha256(inner_pad || outer_pad), 'hex') FROM ${KEY_TABLE} WHERE id = 1`;

const HELD_SQL = `select c.oid::regclass::text as name,
    case when d.logicalrelid is null then 'local' when d.partmethod = 'h' then 'distributed'
      when d.repmodel = 't' then 'reference' when d.colocationid = 0 then 'citus-local' else 'single-shard' end as kind,
    case when d.partmethod = 'h' then column_to_column_name(d.logicalrelid, d.partkey) end as column,
    d.colocationid::int as colocation
  from pg_class c left join pg_dist_partition d on d.logicalrelid = c.oid
  where c.relkind in ('r', 'p')
    and (d.logicalrelid is not null or (c.relnamespace = 'public'::regnamespace and c.relname = any($1::text[])))
  order by 1`;

const read = async (sql: postgres.Sql, planned: ReadonlyArray<string>): Promise<ClusterState | undefined> => {
  if (!(await Distribution.isCitus(sql))) return undefined;
  const tables = await sql.unsafe(HELD_SQL, [planned as Array<string>]);
  const [exists] = await sql`select to_regclass(${KEY_TABLE}) is not null as present`;
  const [key] = exists?.present === true ? await sql.unsafe(KEY_DIGEST_SQL) : [];
  const workers = await sql`select nodename, nodeport, success, result from run_command_on_workers(${KEY_DIGEST_SQL})
    order by nodename, nodeport`;
  return {
    tables: tables.map((row) => ({
      name: row.name,
      kind: row.kind,
      column: row.column,
      colocation: row.colocation,
    })),
    key: key?.encode ?? null,
    workerKeys: workers.map((row) => {
      const node = `${row.nodename}:${row.nodeport}`;
      if (row.success !== true) return { node, error: String(row.result).replace(/\s+/g, " ") };
      return { node, digest: row.result === null || row.result === "" ? null : String(row.result) };
    }),
  };
};

const heldText = (held: Held): string =>
  ({
    local: "a plain table on the coordinator, not distributed",
    distributed: `distributed by ${held.column}`,
    reference: "a reference table",
    "citus-local": "a Citus local table (on the coordinator only)",
    "single-shard": "a single-shard table",
  })[held.kind];

const planText = (placement: Distribution.Placement): string =>
  placement.kind === "reference"
    ? "the plan makes it a reference table"
    : `the plan distributes it by ${placement.column}${placement.colocateWith ? `, co-located with ${placement.colocateWith}` : ""}`;

const asPlanned = (placement: Distribution.Placement, held: Held): boolean =>
  placement.kind === "reference"
    ? held.kind === "reference"
    : held.kind === "distributed" && held.column === placement.column;

/** Why `held` is not what `placement` plans; `root` is how the organization table is held. */
export const placementProblems = (
  placement: Distribution.Placement,
  held: Held | undefined,
  root: Held | undefined,
): ReadonlyArray<Problem> => {
  if (held === undefined) return [problem("distribution-differs", "does not exist: run db:migrate")];
  if (!asPlanned(placement, held)) {
    // db:distribute places the tables Citus does not know yet; a table it holds otherwise needs a hand.
    const remedy = held.kind === "local" ? ": db:distribute places it" : "";
    return [problem("distribution-differs", `is ${heldText(held)}; ${planText(placement)}${remedy}`)];
  }
  if (placement.kind === "reference" || placement.colocateWith === undefined) return [];
  if (root?.kind === "distributed" && held.colocation === root.colocation) return [];
  const theirs =
    root?.kind === "distributed" ? `${placement.colocateWith}'s ${root.colocation}` : "which is not distributed";
  return [
    problem(
      "not-colocated",
      `is not co-located with ${placement.colocateWith} (colocation group ${held.colocation}, ${theirs}): a tenant's rows of the two are not on one node`,
    ),
  ];
};

const shardProblem = (difference: ShardPolicies.Difference): Problem =>
  problem("shard-differs", `shard ${difference.shard} on ${difference.node}: ${difference.detail}`);

/** A row per planned table and per table Citus holds: its placement as planned, its shards as itself. */
export const tableSubjects = (
  state: ClusterState,
  plan: ReadonlyArray<Distribution.Placement>,
  differences: ReadonlyArray<ShardPolicies.Difference>,
): ReadonlyArray<Subject> => {
  const held = new Map(state.tables.map((table) => [table.name, table]));
  const planned = new Map(plan.map((placement) => [placement.table, placement]));
  const root = held.get(Distribution.ROOT);
  const names = [...new Set([...planned.keys(), ...held.keys()])].sort();
  return names.map((name) => {
    const placement = planned.get(name);
    return subject("distribution", name, [
      ...(placement === undefined ? [] : placementProblems(placement, held.get(name), root)),
      ...differences.filter((difference) => difference.table === name).map(shardProblem),
    ]);
  });
};

const REPAIR = "db:distribute copies the coordinator's";

/** Every worker must hold the coordinator's key: a shard's policies check tickets against the key of its node. */
export const workerKeyProblems = (key: string | null, workers: ReadonlyArray<WorkerKey>): ReadonlyArray<Problem> =>
  key === null
    ? []
    : workers.flatMap((worker): ReadonlyArray<Problem> => {
        if ("error" in worker) {
          return [
            problem(
              "worker-context-key-missing",
              `${worker.node} cannot read a context key (${worker.error}): tenant queries fail on its shards; ${REPAIR}`,
            ),
          ];
        }
        if (worker.digest === null) {
          return [
            problem(
              "worker-context-key-missing",
              `${worker.node} has no context key: no ticket passes there, tenant queries see nothing on its shards; ${REPAIR}`,
            ),
          ];
        }
        return worker.digest === key
          ? []
          : [
              problem(
                "worker-context-key-differs",
                `${worker.node} has another context key than the coordinator: the server's tickets fail there, tenant queries see nothing on its shards; ${REPAIR}`,
              ),
            ];
      });

/**
 * The cluster's rows of the report, or none without the Citus extension. `tables` defaults to the registry's, as
 * `Distribution.plan` does.
 */
export const audit = (
  url: string,
  tables?: ReadonlyArray<PgTable>,
): Effect.Effect<ReadonlyArray<Subject>, MigrationUnavailable> => {
  const plan = Distribution.plan(tables);
  return Effect.flatMap(
    Sql.use(
      url,
      (sql) =>
        read(
          sql,
          plan.map((placement) => placement.table),
        ),
      (cause) => new MigrationUnavailable({ cause }),
    ),
    (state) =>
      state === undefined
        ? Effect.succeed([])
        : Effect.map(ShardPolicies.differences(url), (differences) => [
            ...tableSubjects(state, plan, differences),
            subject("check", WORKER_KEY_CHECK, workerKeyProblems(state.key, state.workerKeys)),
          ]),
  );
};
