import { Data, Effect } from "effect";
import type postgres from "postgres";
import * as Sql from "./internal/sql.ts";
import { MigrationUnavailable } from "./MigrationErrors.ts";

/**
 * The one place that works around Citus turning policies permissive on shards: Citus copies a table's policies to
 * every shard placement (at distribution, and for a later `CREATE POLICY`), but an `AS RESTRICTIVE` policy arrives
 * there as PERMISSIVE, where it is ORed with the others instead of ANDed. Each placement's row security and
 * policies are compared with its table's, and a placement that differs has its policies dropped and created again
 * as the table has them. When Citus keeps the kind itself, `ShardPolicies.test.ts` fails: remove this module then.
 */

export interface PlacementState {
  readonly rls: boolean;
  readonly force: boolean;
  readonly policies: ReadonlyArray<PolicyState>;
}

export interface PolicyState {
  readonly name: string;
  readonly permissive: boolean;
  readonly command: string;
  readonly roles: string;
  readonly using: string | null;
  readonly check: string | null;
}

export interface Difference {
  readonly table: string;
  readonly shard: number;
  readonly node: string;
  /** What differs, e.g. `tenant_isolation_x is permissive`. */
  readonly detail: string;
}

/** A placement still differs from its table after the repair: the migration fails. */
export class ShardPoliciesDiffer extends Data.TaggedError("ShardPoliciesDiffer")<{
  readonly differences: ReadonlyArray<Difference>;
}> {
  override get message() {
    const first = this.differences[0];
    return `${this.differences.length} shard placements differ from their tables after the repair; first: ${first?.table} shard ${first?.shard} on ${first?.node}: ${first?.detail}`;
  }
}

// A relation's row security and policies as one JSON value; `%1$s` is the shard's name on a placement.
const stateOf = (relation: string) => `select json_build_object(
  'rls', c.relrowsecurity, 'force', c.relforcerowsecurity,
  'policies', coalesce((select json_agg(json_build_object(
      'name', p.polname, 'permissive', p.polpermissive, 'command', p.polcmd,
      'roles', (select coalesce(string_agg(case when r = 0 then 'public' else quote_ident(pg_get_userbyid(r)) end, ', ' order by r), 'public') from unnest(p.polroles) r),
      'using', pg_get_expr(p.polqual, p.polrelid), 'check', pg_get_expr(p.polwithcheck, p.polrelid)
    ) order by p.polname) from pg_policy p where p.polrelid = c.oid), '[]'::json)
) from pg_class c where c.oid = '${relation}'::regclass`;

const COMMANDS: Readonly<Record<string, string>> = { r: "SELECT", a: "INSERT", w: "UPDATE", d: "DELETE", "*": "ALL" };

/** What is different between a placement and its table, one phrase each. */
export const compare = (expected: PlacementState, actual: PlacementState): ReadonlyArray<string> => {
  const details: Array<string> = [];
  if (actual.rls !== expected.rls) details.push(`row level security is ${actual.rls ? "on" : "off"}`);
  if (actual.force !== expected.force) details.push(`FORCE row level security is ${actual.force ? "on" : "off"}`);
  const found = new Map(actual.policies.map((policy) => [policy.name, policy]));
  for (const policy of expected.policies) {
    const other = found.get(policy.name);
    found.delete(policy.name);
    if (other === undefined) details.push(`${policy.name} is missing`);
    else if (other.permissive !== policy.permissive)
      details.push(`${policy.name} is ${other.permissive ? "permissive" : "restrictive"}`);
    else if (JSON.stringify(other) !== JSON.stringify(policy)) details.push(`${policy.name} differs`);
  }
  for (const name of found.keys()) details.push(`${name} is extra`);
  return details;
};

const createPolicySql = (policy: PolicyState) =>
  [
    `CREATE POLICY "${policy.name}" ON %1$s AS ${policy.permissive ? "PERMISSIVE" : "RESTRICTIVE"}`,
    `FOR ${COMMANDS[policy.command] ?? "ALL"} TO ${policy.roles}`,
    policy.using === null ? "" : `USING (${policy.using})`,
    policy.check === null ? "" : `WITH CHECK (${policy.check})`,
  ]
    .filter((part) => part !== "")
    .join(" ")
    // run_command_on_placements formats the command: a literal % is doubled.
    .replaceAll("%", "%%")
    .replaceAll("%%1$s", "%1$s");

/**
 * The statements that make a placement (`%1$s`) what its table is: its row security set, the policies named in
 * `present` dropped, and every policy of the table created again. One string runs as one transaction on a node.
 */
export const repairSql = (expected: PlacementState, present: ReadonlyArray<string>): string =>
  [
    `ALTER TABLE %1$s ${expected.rls ? "ENABLE" : "DISABLE"} ROW LEVEL SECURITY`,
    `ALTER TABLE %1$s ${expected.force ? "FORCE" : "NO FORCE"} ROW LEVEL SECURITY`,
    ...present.map((name) => `DROP POLICY IF EXISTS "${name.replaceAll("%", "%%")}" ON %1$s`),
    ...expected.policies.map(createPolicySql),
  ].join("; ");

/** Every distributed and reference table (the partitions of a distributed table included). */
const citusTables = (sql: postgres.Sql) =>
  sql`select logicalrelid::regclass::text as name from pg_dist_partition order by 1`.then((rows) =>
    rows.map((row) => String(row.name)),
  );

interface TableCheck {
  readonly table: string;
  readonly expected: PlacementState;
  readonly placements: ReadonlyArray<{ readonly shard: number; readonly node: string; readonly state: PlacementState }>;
}

const check = async (sql: postgres.Sql, table: string): Promise<TableCheck> => {
  const [own] = await sql.unsafe(stateOf(`public."${table}"`));
  const expected = own?.json_build_object as PlacementState;
  const rows = await sql`select shardid, nodename, nodeport, success, result
    from run_command_on_placements(${table}, ${stateOf("%1$s")})`;
  const placements = rows.map((row) => {
    if (row.success !== true) throw new Error(`reading ${table} shard ${row.shardid}: ${row.result}`);
    return { shard: Number(row.shardid), node: `${row.nodename}:${row.nodeport}`, state: JSON.parse(row.result) };
  });
  return { table, expected, placements };
};

const differencesOf = ({ table, expected, placements }: TableCheck): ReadonlyArray<Difference> =>
  placements.flatMap(({ shard, node, state }) =>
    compare(expected, state).map((detail) => ({ table, shard, node, detail })),
  );

/** Every placement of every Citus table that differs from its table (empty: all as they should be). */
export const differences = (url: string): Effect.Effect<ReadonlyArray<Difference>, MigrationUnavailable> =>
  Sql.use(
    url,
    async (sql) => {
      const found: Array<Difference> = [];
      for (const table of await citusTables(sql)) found.push(...differencesOf(await check(sql, table)));
      return found;
    },
    (cause) => new MigrationUnavailable({ cause }),
  );

/**
 * Puts every differing placement right and checks again; returns the tables it repaired. Fails, naming the
 * placement, when one still differs.
 */
export const repair = (url: string): Effect.Effect<ReadonlyArray<string>, ShardPoliciesDiffer | MigrationUnavailable> =>
  Effect.flatMap(
    Sql.use(
      url,
      async (sql) => {
        const repaired: Array<string> = [];
        const remaining: Array<Difference> = [];
        for (const table of await citusTables(sql)) {
          const before = await check(sql, table);
          const wrong = before.placements.filter(({ state }) => compare(before.expected, state).length > 0);
          if (wrong.length === 0) continue;
          // One command for every placement: the differing ones are rebuilt, the others rebuilt to what they are.
          const present = new Set(
            before.placements.flatMap(({ state }) => state.policies.map((policy) => policy.name)),
          );
          const command = repairSql(before.expected, [...present]);
          const failed =
            await sql`select shardid, result from run_command_on_placements(${table}, ${command}) where not success`;
          for (const row of failed) {
            remaining.push({ table, shard: Number(row.shardid), node: "?", detail: String(row.result) });
          }
          repaired.push(table);
          remaining.push(...differencesOf(await check(sql, table)));
        }
        return { repaired, remaining };
      },
      (cause) => new MigrationUnavailable({ cause }),
    ),
    ({ repaired, remaining }) =>
      remaining.length === 0
        ? Effect.succeed(repaired)
        : Effect.fail(new ShardPoliciesDiffer({ differences: remaining })),
  );
