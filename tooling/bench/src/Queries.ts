import type postgres from "postgres";

/** What one operation works on, picked from the data set's keys. */
export interface Args {
  readonly organizationId: string;
  readonly documentId: string;
}

/** A statement as SQL text with `$n` parameters, so the bench runs and EXPLAINs exactly the same text. */
export interface Statement {
  readonly text: string;
  readonly params: (args: Args) => ReadonlyArray<string>;
}

/** One workload in two forms: relying on RLS alone, and with the explicit tenant filter. */
export interface Query {
  readonly name: "point-read" | "newest-50" | "count" | "update";
  readonly label: string;
  readonly rlsOnly: Statement;
  readonly filtered: Statement;
}

const COLUMNS = "id, organization_id, title, content, status, author_id, created_at, updated_at";

export const pointRead: Query = {
  name: "point-read",
  label: "point read by id",
  rlsOnly: { text: `SELECT ${COLUMNS} FROM documents_document WHERE id = $1`, params: (a) => [a.documentId] },
  filtered: {
    text: `SELECT ${COLUMNS} FROM documents_document WHERE organization_id = $1 AND id = $2`,
    params: (a) => [a.organizationId, a.documentId],
  },
};

export const newest50: Query = {
  name: "newest-50",
  label: "newest 50 of one organization",
  rlsOnly: {
    text: "SELECT id, title, status, created_at FROM documents_document ORDER BY created_at DESC LIMIT 50",
    params: () => [],
  },
  filtered: {
    text: "SELECT id, title, status, created_at FROM documents_document WHERE organization_id = $1 ORDER BY created_at DESC LIMIT 50",
    params: (a) => [a.organizationId],
  },
};

export const count: Query = {
  name: "count",
  label: "count of one organization",
  rlsOnly: { text: "SELECT count(*)::int AS n FROM documents_document", params: () => [] },
  filtered: {
    text: "SELECT count(*)::int AS n FROM documents_document WHERE organization_id = $1",
    params: (a) => [a.organizationId],
  },
};

export const update: Query = {
  name: "update",
  label: "single-row update",
  rlsOnly: {
    text: "UPDATE documents_document SET status = 'published', updated_at = now() WHERE id = $1",
    params: (a) => [a.documentId],
  },
  filtered: {
    text: "UPDATE documents_document SET status = 'published', updated_at = now() WHERE organization_id = $1 AND id = $2",
    params: (a) => [a.organizationId, a.documentId],
  },
};

export const all: ReadonlyArray<Query> = [pointRead, newest50, count, update];

/** The statement as a prepared postgres.js query (cached per connection, so it pipelines once warm). */
export const run = (tx: postgres.Sql, statement: Statement, args: Args) =>
  tx.unsafe(statement.text, [...statement.params(args)], { prepare: true });
