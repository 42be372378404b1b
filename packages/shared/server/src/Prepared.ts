import { type Placeholder, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Effect } from "effect";
import type postgres from "postgres";
import type { Drizzle } from "./Db.ts";
import { type DbError, fromCause, TenantContextMissing } from "./DbErrors.ts";
import { TenantTx } from "./TenantTx.ts";

/** What Drizzle's `.prepare(name)` gives: the statement built once, its placeholders filled on each call. */
interface DrizzlePrepared<R> {
  execute(placeholderValues?: Record<string, unknown>): Promise<R>;
}

/** What `make` accepts: a Drizzle query that can be prepared. */
export interface Preparable<R> {
  prepare(name: string): DrizzlePrepared<R>;
}

/** The placeholders named `P`, for a query to use where a value changes per call. */
export type Placeholders<P extends string> = { readonly [K in P]: Placeholder<K> };

/** A value for each placeholder named `P`. */
export type ValuesOf<P extends string> = { readonly [K in P]: unknown };

/** `run`'s and `execute`'s values: one for each placeholder named `P`; nothing when there is none. */
export type Values<P extends string> = [P] extends [never] ? [] : [values: ValuesOf<P>];

/** A Drizzle query built once, with placeholders named `P` for what changes per call; run in any unit of work. */
export interface Prepared<R, P extends string = never> {
  readonly statement: DrizzlePrepared<R>;
  readonly placeholders: ReadonlyArray<P>;
}

type Unsafe = postgres.Sql["unsafe"];

/**
 * The unit of work a prepared statement is being sent on, for the length of one synchronous call: Drizzle sends
 * a statement at once when it is executed, so no other unit can run in between.
 */
let sendingOn: Unsafe | undefined;

const outsideAUnit = () => {
  const promise = Promise.reject(
    new TenantContextMissing({ detail: "a prepared statement was sent outside its unit of work" }),
  );
  return Object.assign(promise, { values: () => promise });
};

/** The connection every prepared statement is built on: it forwards to the unit that runs it, or refuses. */
const router = {
  // Drizzle sets its type parsers on the client's options; the units' own clients share the pool's.
  options: { parsers: {}, serializers: {} },
  unsafe: ((statement: string, parameters: Array<never>, options: postgres.UnsafeQueryOptions) =>
    sendingOn === undefined ? outsideAUnit() : sendingOn(statement, parameters, options)) as unknown as Unsafe,
};
const builder: Drizzle = drizzle({ client: router as unknown as postgres.Sql });

let count = 0;

/**
 * Builds `build`'s query once (Drizzle renders its SQL here, not on every call). Name what changes per call in
 * `names`, use each as `placeholders.<name>` in the query, and give the values to `run`: a name missing on either
 * side does not compile. Module-level, like the table definitions it uses.
 */
export function make<R>(build: (db: Drizzle) => Preparable<R>): Prepared<R>;
export function make<R, const P extends string>(
  names: ReadonlyArray<P>,
  build: (db: Drizzle, placeholders: Placeholders<P>) => Preparable<R>,
): Prepared<R, P>;
export function make<R, P extends string>(
  ...args:
    | [(db: Drizzle) => Preparable<R>]
    | [ReadonlyArray<P>, (db: Drizzle, placeholders: Placeholders<P>) => Preparable<R>]
): Prepared<R, P> {
  const [names, build] = args.length === 1 ? [[] as ReadonlyArray<P>, args[0]] : args;
  const placeholders = Object.fromEntries(names.map((name) => [name, sql.placeholder(name)])) as Placeholders<P>;
  return { statement: build(builder, placeholders).prepare(`beep_prepared_${++count}`), placeholders: names };
}

/**
 * The prepared statement as a Drizzle call on `db`, a unit of work's handle (`TenantTx.use`, `TenantDb.query`):
 * it is sent on that unit's connection, through its checks.
 */
export const run =
  <R, P extends string>(prepared: Prepared<R, P>, ...[values]: Values<P>) =>
  (db: Drizzle): Promise<R> => {
    // Drizzle keeps the client it was made with: the unit's own, which checks and tracks every statement.
    const client = (db as Drizzle & { readonly $client: postgres.Sql }).$client;
    sendingOn = ((statement: string, parameters: Array<never>, options: postgres.UnsafeQueryOptions) =>
      client.unsafe(statement, parameters, options)) as Unsafe;
    try {
      return prepared.statement.execute(values);
    } finally {
      sendingOn = undefined;
    }
  };

/** Runs `prepared` with `values` in the current tenant transaction; driver errors become `DbError`s. */
export const execute = <R, P extends string>(
  prepared: Prepared<R, P>,
  ...values: Values<P>
): Effect.Effect<R, DbError, TenantTx> =>
  Effect.flatMap(TenantTx, (tx) => Effect.tryPromise({ try: () => run(prepared, ...values)(tx.db), catch: fromCause }));
