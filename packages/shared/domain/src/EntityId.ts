import { type Brand, Data, Schema } from "effect";
import { uuidV7 } from "./internal/uuidV7.ts";

/** A table name is lowercase snake_case, `<slice>_<entity>`, and fits PostgreSQL's 63-byte limit. */
const TABLE_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/;
const UUID_V7 = "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

export const MAX_TABLE_NAME_LENGTH = 35;

export class InvalidTableName extends Data.TaggedError("InvalidTableName")<{
  readonly tableName: string;
  readonly reason: string;
}> {
  override get message() {
    return `Invalid table name "${this.tableName}": ${this.reason}`;
  }
}

/** The text of an id of table `T`: `"<table>__<uuid v7>"`. */
export type EntityIdString<T extends string> = `${T}__${string}` & Brand.Brand<`${T}Id`>;

/** An id type with its table: a Schema that validates and brands, and a generator. */
export interface EntityId<T extends string> {
  readonly tableName: T;
  readonly schema: Schema.Schema<EntityIdString<T>, string>;
  /** A new, time-ordered id for this table. */
  readonly create: () => EntityIdString<T>;
  /** True when `value` is a well-formed id of this table. */
  readonly is: (value: unknown) => value is EntityIdString<T>;
}

export type Type<E> = E extends EntityId<infer T> ? EntityIdString<T> : never;

export const validateTableName = (tableName: string): void => {
  if (!TABLE_NAME.test(tableName)) {
    throw new InvalidTableName({ tableName, reason: "expected lowercase snake_case <slice>_<entity>" });
  }
  // Leaves room for `tenant_isolation_<table>_update` and `<table>_organization_id_id_unique`
  // inside PostgreSQL's 63-byte identifiers.
  if (tableName.length > MAX_TABLE_NAME_LENGTH) {
    throw new InvalidTableName({ tableName, reason: `longer than ${MAX_TABLE_NAME_LENGTH} characters` });
  }
};

export const make = <const T extends string>(tableName: T): EntityId<T> => {
  validateTableName(tableName);
  const pattern = new RegExp(`^${tableName}__${UUID_V7}$`);
  const schema = Schema.String.pipe(
    Schema.pattern(pattern, { message: () => `Expected a ${tableName} id ("${tableName}__<uuid v7>")` }),
    Schema.brand(`${tableName}Id`),
  ) as unknown as Schema.Schema<EntityIdString<T>, string>;
  return {
    tableName,
    schema,
    create: () => `${tableName}__${uuidV7()}` as EntityIdString<T>,
    is: (value): value is EntityIdString<T> => typeof value === "string" && pattern.test(value),
  };
};
