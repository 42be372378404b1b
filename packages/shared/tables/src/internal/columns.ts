import type { EntityId } from "@beep/shared-domain";
import { text, timestamp } from "drizzle-orm/pg-core";

/** `id`: the table's EntityId, generated on insert. */
export const idColumn = <T extends string>(entityId: EntityId.EntityId<T>) =>
  text("id")
    .$type<EntityId.EntityIdString<T>>()
    .notNull()
    .$defaultFn(() => entityId.create());

export const timestampColumns = () => ({
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
});

/** Keys of the columns every table gets; defining one of them again is a compile error. */
export type DefaultColumnKey = "id" | "organizationId" | "createdAt" | "updatedAt";
export const DEFAULT_COLUMN_KEYS: ReadonlyArray<string> = ["id", "organizationId", "createdAt", "updatedAt"];
export const DEFAULT_COLUMN_SQL_NAMES: ReadonlyArray<string> = ["id", "organization_id", "created_at", "updated_at"];

/** Maps every default key found in `C` to `never`, so passing one fails to type-check. */
export type NoDefaultColumns<C> = { readonly [K in keyof C & DefaultColumnKey]: never };
