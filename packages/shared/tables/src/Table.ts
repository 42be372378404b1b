import type { EntityId } from "@beep/shared-domain";
import type { BuildColumns, BuildExtraConfigColumns } from "drizzle-orm";
import {
  type PgColumnBuilderBase,
  type PgTableExtraConfigValue,
  type PgTableWithColumns,
  pgTable,
} from "drizzle-orm/pg-core";
import { idColumn, type NoDefaultColumns, timestampColumns } from "./internal/columns.ts";
import { assertNoDefaultColumnNames } from "./internal/validate.ts";

const globalDefaults = <T extends string>(entityId: EntityId.EntityId<T>) => ({
  id: idColumn(entityId).primaryKey(),
  ...timestampColumns(),
});

export type GlobalDefaultColumns<T extends string> = ReturnType<typeof globalDefaults<T>>;

export type GlobalTable<T extends string, C extends Record<string, PgColumnBuilderBase>> = PgTableWithColumns<{
  name: T;
  schema: undefined;
  columns: BuildColumns<T, GlobalDefaultColumns<T> & C, "pg">;
  dialect: "pg";
}>;

/**
 * A table that belongs to no organization (users, the organizations themselves): `id`
 * (primary key), `created_at`, `updated_at`. Isolation, if any, is the table's own policies.
 */
export const make =
  <const T extends string>(entityId: EntityId.EntityId<T>) =>
  <C extends Record<string, PgColumnBuilderBase>>(
    columns: C & NoDefaultColumns<C>,
    extraConfig?: (self: BuildExtraConfigColumns<T, GlobalDefaultColumns<T> & C, "pg">) => PgTableExtraConfigValue[],
  ): GlobalTable<T, C> => {
    const name = entityId.tableName;
    assertNoDefaultColumnNames(name, columns);
    return pgTable(name, { ...globalDefaults(entityId), ...columns }, extraConfig) as GlobalTable<T, C>;
  };

/** Turns RLS on for a table built here, keeping its exact type. */
export const withRls = <Tbl extends PgTableWithColumns<any>>(table: Tbl): Tbl => {
  table.enableRLS();
  return table;
};
