import { OrgTable } from "@beep/shared-tables";
import { is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import * as schema from "./schema.ts";

/** Every table in the schema, found by value, so a new table is covered without editing a list. */
export const tables: ReadonlyArray<PgTable> = Object.values(schema as Record<string, unknown>).filter(
  (value): value is PgTable => is(value, PgTable),
);

/** The tables made by `OrgTable.make`, with their isolation mode. */
export const tenantTables: ReadonlyArray<{ readonly table: PgTable; readonly metadata: OrgTable.Metadata }> =
  tables.flatMap((table) => {
    const metadata = OrgTable.metadata(table);
    return metadata === undefined ? [] : [{ table, metadata }];
  });
