import { type ContextTicket, OrgTable, SharedTables } from "@beep/shared-tables";
import { is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { Data } from "effect";
import * as schema from "./schema.ts";

/** The tables a module exports, found by value. */
export const tablesOf = (module: object): ReadonlyArray<PgTable> =>
  Object.values(module as Record<string, unknown>).filter((value): value is PgTable => is(value, PgTable));

/** Every table in the schema, so a new table is covered without editing a list. */
export const tables: ReadonlyArray<PgTable> = tablesOf(schema);

/**
 * Tables drizzle-kit does not create (its diff would not understand them): their SQL is rendered by code
 * into custom migrations, and their Drizzle shapes declare what audits expect.
 */
export const codeTables: ReadonlyArray<PgTable> = [SharedTables.auditEvent];

/** The tables made by `OrgTable.make`, with their isolation mode. */
export const tenantTables: ReadonlyArray<{ readonly table: PgTable; readonly metadata: OrgTable.Metadata }> =
  tables.flatMap((table) => {
    const metadata = OrgTable.metadata(table);
    return metadata === undefined ? [] : [{ table, metadata }];
  });

/** More than one table declares `roleColumn`: which one a person's role comes from would be a guess. */
export class AmbiguousRoleSource extends Data.TaggedError("AmbiguousRoleSource")<{
  readonly tables: ReadonlyArray<string>;
}> {
  override get message() {
    return `only one table may declare roleColumn (a person's role comes from it); found ${this.tables.join(", ")}`;
  }
}

/**
 * The table that records a person's role in an organization (`roleColumn`), found by discovery: what
 * `beep.assume_role()` reads. Undefined when no table declares one; two are a definition error.
 */
export const roleSourceOf = (
  tables: ReadonlyArray<{ readonly metadata: OrgTable.Metadata }>,
): ContextTicket.RoleSource | undefined => {
  const sources = tables.flatMap(({ metadata }) =>
    metadata.roleSource === undefined ? [] : [{ table: metadata.tableName, ...metadata.roleSource }],
  );
  if (sources.length > 1) {
    throw new AmbiguousRoleSource({ tables: sources.map((source) => source.table) });
  }
  return sources[0];
};
