import { DocumentsTables } from "@beep/documents-tables";
import { Prepared } from "@beep/shared-server";
import { and, eq, Placeholder, type SQL, sql } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import { drizzle } from "drizzle-orm/postgres-js";
import type postgres from "postgres";

/** What one operation works on, picked from the data set's keys. */
export interface Args {
  readonly organizationId: string;
  readonly documentId: string;
}

/** A Drizzle query built with placeholders: runnable on any Drizzle database, renderable to SQL. */
export interface Built {
  readonly toSQL: () => { readonly sql: string; readonly params: ReadonlyArray<unknown> };
  readonly execute: (values: Record<string, unknown>) => Promise<unknown>;
  readonly prepare: (name: string) => { execute(values?: Record<string, unknown>): Promise<unknown> };
}

export type AnyDatabase = PgDatabase<any, any, any>;

/**
 * One statement, defined once with Drizzle (as product code would write it) and rendered once to SQL text
 * with `$n` parameters, so that every side of a comparison, and EXPLAIN, runs exactly the same text.
 */
export interface Statement {
  readonly build: (db: AnyDatabase) => Built;
  /** The same, built once for the tenant runtime (`Prepared`): what product code on a hot path does. */
  readonly prepared: Prepared.Prepared<unknown, keyof Args>;
  readonly text: string;
  readonly params: (args: Args) => ReadonlyArray<unknown>;
}

/** One workload in two forms: relying on RLS alone, and with the explicit tenant filter. */
export interface Query {
  /** Short and stable: it names the comparison (`rls/<name>`). */
  readonly name: string;
  readonly label: string;
  readonly rlsOnly: Statement;
  readonly filtered: Statement;
}

const { document } = DocumentsTables;
// Renders SQL without a connection.
const renderer = drizzle.mock();

/** The arguments of a statement, as Drizzle placeholders filled from `Args` on every run. */
export const organizationId = sql.placeholder("organizationId");
export const documentId = sql.placeholder("documentId");

const ARG_NAMES: ReadonlyArray<keyof Args> = ["organizationId", "documentId"];
const isArgName = (name: string): name is keyof Args => (ARG_NAMES as ReadonlyArray<string>).includes(name);

/** A statement from a Drizzle query written with `organizationId` / `documentId` placeholders. */
export const statement = (build: (db: AnyDatabase) => Built): Statement => {
  const rendered = build(renderer).toSQL();
  // Each parameter is an argument (a placeholder) or a constant of the statement (e.g. the LIMIT).
  const params = rendered.params.map((param): ((args: Args) => unknown) => {
    if (!(param instanceof Placeholder)) return () => param;
    const name = param.name;
    if (!isArgName(name)) throw new Error(`unknown placeholder "${name}" in ${rendered.sql}`);
    return (args) => args[name];
  });
  return {
    build,
    // Every statement takes both arguments: Drizzle ignores a value no placeholder uses.
    prepared: Prepared.make(ARG_NAMES, build),
    text: rendered.sql,
    params: (args) => params.map((param) => param(args)),
  };
};

/** The tenant filter as `TenantQuery` helpers emit it: `organization_id = $1 AND <the caller's condition>`. */
export const ownRows = (condition?: SQL): SQL =>
  condition === undefined
    ? eq(document.organizationId, organizationId)
    : (and(eq(document.organizationId, organizationId), condition) as SQL);

export const pointRead: Query = {
  name: "point-read",
  label: "point read by id",
  rlsOnly: statement((db) => db.select().from(document).where(eq(document.id, documentId))),
  filtered: statement((db) =>
    db
      .select()
      .from(document)
      .where(ownRows(eq(document.id, documentId))),
  ),
};

const page = { id: document.id, title: document.title, status: document.status, createdAt: document.createdAt };
// The index is `created_at DESC NULLS LAST` (what Drizzle's `.desc()` emits in an index). A bare `DESC` means
// NULLS FIRST, an order that index does not have: the planner would read the whole organization and sort.
const newestFirst = sql`${document.createdAt} desc nulls last`;

export const newest50: Query = {
  name: "newest-50",
  label: "newest 50 of one organization",
  rlsOnly: statement((db) => db.select(page).from(document).orderBy(newestFirst).limit(50)),
  filtered: statement((db) => db.select(page).from(document).where(ownRows()).orderBy(newestFirst).limit(50)),
};

const total = { n: sql<number>`count(*)::int`.as("n") };

export const count: Query = {
  name: "count",
  label: "count of one organization",
  rlsOnly: statement((db) => db.select(total).from(document)),
  filtered: statement((db) => db.select(total).from(document).where(ownRows())),
};

const touched = { status: "published" as const, updatedAt: sql`now()` };

export const update: Query = {
  name: "update",
  label: "single-row update",
  rlsOnly: statement((db) => db.update(document).set(touched).where(eq(document.id, documentId))),
  filtered: statement((db) =>
    db
      .update(document)
      .set(touched)
      .where(ownRows(eq(document.id, documentId))),
  ),
};

export const all: ReadonlyArray<Query> = [pointRead, newest50, count, update];

/**
 * The statement's text as a prepared postgres.js query (cached per connection, so it pipelines once warm).
 * `simple: false` matters for statements without parameters: postgres.js otherwise sends those with the simple
 * query protocol, which PostgreSQL parses and plans on every execution.
 */
export const run = (tx: postgres.Sql, statement: Statement, args: Args) =>
  tx.unsafe(
    statement.text,
    statement.params(args) as Array<never>,
    {
      prepare: true,
      // Not in postgres.js's types, read by its `unsafe` all the same.
      simple: false,
    } as postgres.UnsafeQueryOptions,
  );

/** True when the statement has no parameters: what postgres.js would send as a simple query by default. */
export const isParameterless = (statement: Statement): boolean =>
  statement.params({ organizationId: "", documentId: "" }).length === 0;
