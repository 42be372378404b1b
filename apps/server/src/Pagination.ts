import { type Db, type DbErrors, Prepared, TenantTx } from "@beep/shared-server";
import { type Placeholder, sql } from "drizzle-orm";
import { Effect, Schema } from "effect";

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** Decoded from the query string's text, documented as the integer it stands for. */
const Limit = Schema.NumberFromString.pipe(
  Schema.int({ message: () => "limit must be an integer" }),
  Schema.between(1, MAX_LIMIT, { message: () => `limit must be between 1 and ${MAX_LIMIT}` }),
).annotations({
  jsonSchema: {
    type: "integer",
    minimum: 1,
    maximum: MAX_LIMIT,
    default: DEFAULT_LIMIT,
    description: `How many items to return, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})`,
  },
});

/** `?cursor=<id>&limit=<n>`: ids are time-ordered (uuid v7), so the last id of a page is the next cursor. */
export const params = <I extends string>(id: Schema.Schema<I, string>) =>
  Schema.Struct({
    // No description here: the decode error would name the field by it instead of by the id it expects.
    cursor: Schema.optional(id),
    limit: Schema.optionalWith(Limit, { default: () => DEFAULT_LIMIT }),
  });

export const page = <A, I>(item: Schema.Schema<A, I>) =>
  Schema.Struct({
    items: Schema.Array(item),
    /** Pass as `cursor` to get the next page; null on the last page. */
    nextCursor: Schema.NullOr(Schema.String).annotations({
      description: "Pass as `cursor` to get the next page; null on the last page",
    }),
  });

export interface Page<A> {
  readonly items: ReadonlyArray<A>;
  readonly nextCursor: string | null;
}

/** Builds a page from `limit + 1` rows fetched in id order: the extra row only says whether more exist. */
export const fromRows = <A extends { readonly id: string }>(rows: ReadonlyArray<A>, limit: number): Page<A> => {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? last.id : null };
};

/** Where a listing's query takes how many rows to read (`limit + 1`). */
export const LIMIT = sql.placeholder("limit");

type Build<A, P extends string> = (
  db: Db.Drizzle,
  after: Placeholder<"cursor"> | undefined,
  placeholders: Prepared.Placeholders<P>,
) => Prepared.Preparable<ReadonlyArray<A>>;

type Params = { readonly cursor?: string | undefined; readonly limit: number };

type Listed<A> = Effect.Effect<Page<A>, DbErrors.DbError, TenantTx.TenantTx>;

/** A listing run in the current tenant transaction, and the same as the unit's last statement (`TenantTx.useLast`). */
export type Listing<A, Args extends ReadonlyArray<unknown>> = ((...args: Args) => Listed<A>) & {
  /** The listing as the unit's last statement: COMMIT goes right behind it, one round trip less. */
  readonly last: (...args: Args) => Listed<A>;
};

/**
 * A list route's query, built once (Drizzle renders it here, not on every request): `build` is given no `after`
 * for the first page, and the `cursor` placeholder for the pages after one. It reads `LIMIT` rows in id order;
 * anything else that varies (a parent's id) is a placeholder named in `names`, its value given per call. Runs in
 * the current tenant transaction and returns the page; `.last` runs it as the unit's last statement.
 */
export function listing<A extends { readonly id: string }>(build: Build<A, never>): Listing<A, [params: Params]>;
export function listing<A extends { readonly id: string }, const P extends string>(
  names: ReadonlyArray<P>,
  build: Build<A, P>,
): Listing<A, [params: Params, values: Prepared.ValuesOf<P>]>;
export function listing<A extends { readonly id: string }, P extends string>(
  ...args: [Build<A, never>] | [ReadonlyArray<P>, Build<A, P>]
) {
  const [names, build] = args.length === 1 ? [[] as ReadonlyArray<P>, args[0] as Build<A, P>] : args;
  const first = Prepared.make([...names, "limit"], (db, placeholders) => build(db, undefined, placeholders));
  const next = Prepared.make([...names, "limit", "cursor"], (db, placeholders) =>
    build(db, placeholders.cursor, placeholders),
  );
  // The overloads check the names; here they are any strings (without names, `values` is undefined: no keys).
  const page =
    (use: typeof TenantTx.use) =>
    (params: Params, values?: Prepared.ValuesOf<P>): Listed<A> => {
      const limit = params.limit + 1;
      return use(
        params.cursor === undefined
          ? Prepared.run<ReadonlyArray<A>, string>(first, { ...values, limit })
          : Prepared.run<ReadonlyArray<A>, string>(next, { ...values, cursor: params.cursor, limit }),
      ).pipe(Effect.map((rows) => fromRows(rows, params.limit)));
    };
  return Object.assign(page(TenantTx.use), { last: page(TenantTx.useLast) });
}
