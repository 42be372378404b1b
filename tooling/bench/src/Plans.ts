import type postgres from "postgres";
import { inTenantTransaction, type Signer } from "./internal/tenantTransaction.ts";
import * as Queries from "./Queries.ts";

/** A node of `EXPLAIN (FORMAT JSON)` output, reduced to what comparisons need. */
export interface PlanNode {
  readonly "Node Type": string;
  readonly "Index Name"?: string;
  /** A condition checked on every row the node produces. */
  readonly Filter?: string;
  readonly "Index Cond"?: string;
  readonly "Recheck Cond"?: string;
  /** A condition checked once, before the node produces anything. */
  readonly "One-Time Filter"?: string;
  readonly Plans?: ReadonlyArray<PlanNode>;
}

/** Every index a plan reads, in plan order. */
export const indexNames = (node: PlanNode): ReadonlyArray<string> => [
  ...(node["Index Name"] === undefined ? [] : [node["Index Name"]]),
  ...(node.Plans ?? []).flatMap(indexNames),
];

/** Every per-row `Filter` of a plan, in plan order (index and one-time conditions are not filters). */
export const rowFilters = (node: PlanNode): ReadonlyArray<string> => [
  ...(node.Filter === undefined ? [] : [node.Filter]),
  ...(node.Plans ?? []).flatMap(rowFilters),
];

const CONDITIONS = ["Index Cond", "Recheck Cond", "One-Time Filter", "Filter"] as const;

/** How many calls of the ticket's check functions (`beep.current_*`) a plan's conditions hold, in every node. */
export const ticketChecks = (node: PlanNode): number =>
  CONDITIONS.reduce((sum, key) => sum + (node[key]?.match(/\bbeep\.current_/g)?.length ?? 0), 0) +
  (node.Plans ?? []).reduce((sum, child) => sum + ticketChecks(child), 0);

/** Every node type of a plan, in plan order. */
export const nodeTypes = (node: PlanNode): ReadonlyArray<string> => [
  node["Node Type"],
  ...(node.Plans ?? []).flatMap(nodeTypes),
];

const explainText = (statement: Queries.Statement, options: string) => ({
  ...statement,
  text: `EXPLAIN (${options}) ${statement.text}`,
});

const firstPlan = (rows: ReadonlyArray<postgres.Row>): PlanNode => {
  const document = rows[0]?.["QUERY PLAN"] as ReadonlyArray<{ Plan: PlanNode }> | undefined;
  const plan = document?.[0]?.Plan;
  if (plan === undefined) throw new Error("EXPLAIN returned no plan");
  return plan;
};

/**
 * The plan of `statement` inside a tenant transaction of `args.organizationId` (a ticket from `sign`, e.g.
 * `ContextTicket.signer(contextKey)`), on `sql`'s login. Written the way the bench runs it (prepared, with
 * parameters), so the planner sees what the workload gives it. `ANALYZE` executes the statement; the
 * transaction commits, so use it for reads only.
 */
export const explain = async (
  sql: postgres.Sql,
  sign: Signer,
  statement: Queries.Statement,
  args: Queries.Args,
  options = "FORMAT JSON",
): Promise<PlanNode> =>
  firstPlan(
    await inTenantTransaction(sql, sign, args.organizationId, (tx) =>
      Queries.run(tx, explainText(statement, options), args),
    ),
  );
