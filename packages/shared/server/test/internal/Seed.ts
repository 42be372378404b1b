import { Registry } from "@beep/db-admin";
import type { OrgTable } from "@beep/shared-tables";
import { getTableColumns, getTableName } from "drizzle-orm";
import { getTableConfig, type PgColumn, type PgTable } from "drizzle-orm/pg-core";

/** A tenant table with what the matrix needs to know about it. */
export interface TenantTable {
  readonly table: PgTable;
  readonly name: string;
  readonly metadata: OrgTable.Metadata;
  /** JS key of each SQL column name. */
  readonly keyOf: ReadonlyMap<string, string>;
  /** References to other tenant tables: the referencing keys (without the organization) and the parent. */
  readonly references: ReadonlyArray<{ readonly keys: ReadonlyArray<string>; readonly parent: PgTable }>;
  /** A unique key that contains organization_id and id, for ON CONFLICT. */
  readonly conflictTarget: ReadonlyArray<PgColumn> | undefined;
}

export type Row = Record<string, unknown>;

const keysOf = (table: PgTable) =>
  new Map(Object.entries(getTableColumns(table)).map(([key, column]) => [column.name, key] as const));

const describe = (table: PgTable, metadata: OrgTable.Metadata, tenantSet: ReadonlySet<PgTable>): TenantTable => {
  const config = getTableConfig(table);
  const keyOf = keysOf(table);
  const references = config.foreignKeys.flatMap((fk) => {
    const reference = fk.reference();
    if (!tenantSet.has(reference.foreignTable) || reference.foreignTable === table) return [];
    const keys = reference.columns
      .filter((column) => column.name !== "organization_id")
      .map((column) => keyOf.get(column.name) ?? column.name);
    return [{ keys, parent: reference.foreignTable }];
  });
  const keys = [...config.primaryKeys.map((pk) => pk.columns), ...config.uniqueConstraints.map((u) => u.columns)];
  const conflictTarget = keys.find(
    (columns) => columns.some((c) => c.name === "organization_id") && columns.some((c) => c.name === "id"),
  );
  return { table, name: config.name, metadata, keyOf, references, conflictTarget };
};

/** Every tenant table of the schema, parents before children (by their foreign keys). */
export const tenantTables = (): ReadonlyArray<TenantTable> => {
  const tenantSet = new Set(Registry.tenantTables.map((entry) => entry.table));
  const described = Registry.tenantTables.map((entry) => describe(entry.table, entry.metadata, tenantSet));
  const byTable = new Map(described.map((entry) => [entry.table, entry]));
  const ordered: Array<TenantTable> = [];
  const state = new Map<PgTable, "visiting" | "done">();
  const visit = (entry: TenantTable) => {
    if (state.get(entry.table) === "done") return;
    if (state.get(entry.table) === "visiting") throw new Error(`reference cycle through ${entry.name}`);
    state.set(entry.table, "visiting");
    for (const reference of entry.references) {
      const parent = byTable.get(reference.parent);
      if (parent !== undefined) visit(parent);
    }
    state.set(entry.table, "done");
    ordered.push(entry);
  };
  for (const entry of described) visit(entry);
  return ordered;
};

let counter = 0;

/** A value for a required column, from its Drizzle type. */
const sampleValue = (table: string, column: PgColumn): unknown => {
  counter += 1;
  const enumValues = column.enumValues as ReadonlyArray<string> | undefined;
  if (enumValues !== undefined && enumValues.length > 0) return enumValues[0];
  switch (column.dataType) {
    case "string":
      return `${column.name}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
    case "number":
      return counter;
    case "bigint":
      return BigInt(counter);
    case "boolean":
      return false;
    case "date":
      return new Date();
    case "json":
      return {};
    case "array":
      return [];
    default:
      throw new Error(`no sample value for ${table}.${column.name} (${column.columnType})`);
  }
};

export interface Planned {
  /** Rows of global tables (users, ...) that must exist first. */
  readonly globals: ReadonlyArray<{ readonly table: PgTable; readonly row: Row }>;
  readonly row: Row;
}

/**
 * A valid row for `entry` (without organization): required columns filled from the column metadata,
 * references pointing at `parents` (rows of the same organization), required references to global
 * tables satisfied by new global rows. Generated ids are filled in, so no RETURNING is needed.
 */
export const planRow = (entry: TenantTable, parents: ReadonlyMap<PgTable, Row>): Planned => {
  const row: Row = {};
  const globals: Array<{ table: PgTable; row: Row }> = [];
  for (const reference of entry.references) {
    const parent = parents.get(reference.parent);
    if (parent === undefined) throw new Error(`${entry.name}: no parent row in ${getTableName(reference.parent)}`);
    const fk = getTableConfig(entry.table)
      .foreignKeys.map((candidate) => candidate.reference())
      .find((candidate) => candidate.foreignTable === reference.parent);
    const parentKeys = keysOf(reference.parent);
    fk?.columns.forEach((column, index) => {
      const foreign = fk.foreignColumns[index];
      if (column.name === "organization_id" || foreign === undefined) return;
      row[entry.keyOf.get(column.name) ?? column.name] = parent[parentKeys.get(foreign.name) ?? foreign.name];
    });
  }
  const globalReferences = new Map(
    getTableConfig(entry.table)
      .foreignKeys.map((fk) => fk.reference())
      .filter(
        (reference) => reference.columns.length === 1 && !reference.columns.some((c) => c.name === "organization_id"),
      )
      .flatMap((reference) => {
        const column = reference.columns[0];
        const foreign = reference.foreignColumns[0];
        return column === undefined || foreign === undefined ? [] : [[column.name, { reference, foreign }] as const];
      }),
  );
  for (const [key, column] of Object.entries(getTableColumns(entry.table))) {
    if (column.name === "organization_id" || key in row) continue;
    if (column.defaultFn !== undefined) {
      row[key] = column.defaultFn();
      continue;
    }
    if (!column.notNull || column.hasDefault) continue;
    const global = globalReferences.get(column.name);
    if (global !== undefined) {
      const parentRow = planGlobal(global.reference.foreignTable);
      globals.push({ table: global.reference.foreignTable, row: parentRow });
      row[key] = parentRow[keysOf(global.reference.foreignTable).get(global.foreign.name) ?? global.foreign.name];
      continue;
    }
    row[key] = sampleValue(entry.name, column);
  }
  return { globals, row };
};

/** A row of a global table: generated ids and required columns only. */
const planGlobal = (table: PgTable): Row => {
  const row: Row = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    if (column.defaultFn !== undefined) row[key] = column.defaultFn();
    else if (column.notNull && !column.hasDefault) row[key] = sampleValue(getTableName(table), column);
  }
  return row;
};

export interface Fresh {
  /** Rows to insert first, in order (new parents of the same organization, global rows). */
  readonly prerequisites: ReadonlyArray<{ readonly table: PgTable; readonly row: Row }>;
  readonly row: Row;
}

/** A new row for `entry` whose parents are new rows too, so it collides with nothing already there. */
export const planFresh = (entry: TenantTable, all: ReadonlyArray<TenantTable>): Fresh => {
  const prerequisites: Array<{ table: PgTable; row: Row }> = [];
  const parents = new Map<PgTable, Row>();
  for (const reference of entry.references) {
    const parentEntry = all.find((candidate) => candidate.table === reference.parent);
    if (parentEntry === undefined) throw new Error(`${entry.name}: parent is not a tenant table`);
    const parent = planFresh(parentEntry, all);
    prerequisites.push(...parent.prerequisites, { table: reference.parent, row: parent.row });
    parents.set(reference.parent, parent.row);
  }
  const planned = planRow(entry, parents);
  return { prerequisites: [...prerequisites, ...planned.globals], row: planned.row };
};
