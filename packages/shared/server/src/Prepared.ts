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

/** A Drizzle query built once, with `sql.placeholder`s for what changes per call; run in any unit of work. */
export interface Prepared<R> {
  readonly statement: DrizzlePrepared<R>;
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
 * Builds `build`'s query once (Drizzle renders its SQL here, not on every call). Write what changes per call as
 * `sql.placeholder("name")` and give the values to `run`. Module-level, like the table definitions it uses.
 */
export const make = <R>(build: (db: Drizzle) => { prepare(name: string): DrizzlePrepared<R> }): Prepared<R> => ({
  statement: build(builder).prepare(`beep_prepared_${++count}`),
});

/**
 * The prepared statement as a Drizzle call on `db`, a unit of work's handle (`TenantTx.use`, `TenantDb.query`):
 * it is sent on that unit's connection, through its checks.
 */
export const run =
  <R>(prepared: Prepared<R>, values: Record<string, unknown> = {}) =>
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
export const execute = <R>(
  prepared: Prepared<R>,
  values: Record<string, unknown> = {},
): Effect.Effect<R, DbError, TenantTx> =>
  Effect.flatMap(TenantTx, (tx) => Effect.tryPromise({ try: () => run(prepared, values)(tx.db), catch: fromCause }));
