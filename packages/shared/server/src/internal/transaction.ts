import { drizzle } from "drizzle-orm/postgres-js";
import { Context, Effect, Exit, FiberRef } from "effect";
import type postgres from "postgres";
import type { Drizzle } from "../Db.ts";
import { DatabaseUnavailable, type DbError, fromCause, isConnectionLoss, TenantContextMissing } from "../DbErrors.ts";
import { CLOSING, hasResidue } from "../SessionCleanup.ts";

/** postgres.js' connection object, as `onexecute` hands it over; `reserved` is cleared when the socket closes. */
interface DriverConnection {
  reserved: unknown;
  terminate?: () => void;
}

type State = "open" | "ended" | "lost";

/** A statement the runtime refuses to send, before it reaches the server. */
export type Refusal = (statement: string) => DbError | undefined;

const stallDetail = (ms: number) =>
  `no answer within ${ms} ms (the database, or a pooler in front of it, stopped answering)`;

/**
 * A statement's answer as Drizzle awaits it: the rows, or `values()` (the rows as arrays), whichever it asks for,
 * failing when the unit stalls whatever the driver does. Raced only when asked: Drizzle asks for one of the two.
 */
type Pending = ReturnType<postgres.ReservedSql["unsafe"]>;
type Rows = Awaited<Pending>;

class Reply implements PromiseLike<Rows> {
  constructor(
    private readonly query: Pending,
    private readonly stall: Promise<never>,
  ) {}

  // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose, awaited like the driver's query.
  then<A = Rows, B = never>(
    onFulfilled?: ((rows: Rows) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return Promise.race([this.query, this.stall]).then(onFulfilled, onRejected);
  }

  values(): Promise<ReadonlyArray<ReadonlyArray<unknown>>> {
    return Promise.race([this.query.values(), this.stall]) as Promise<ReadonlyArray<ReadonlyArray<unknown>>>;
  }
}

const rejected = (error: DbError) => {
  const promise = Promise.reject(error);
  return Object.assign(promise, { values: () => promise });
};

/**
 * One transaction on one reserved connection. postgres.js writes to a reserved connection even after
 * its socket closed (and may hand the reconnected slot to someone else), so every statement first checks
 * that the connection is still the one this transaction began on.
 */
export class Transaction {
  private state: State = "open";
  private connection: DriverConnection | undefined;
  private token: unknown;
  private broken = false;
  /** A statement got no answer within `replyTimeoutMs`. */
  private stalled = false;
  /** Statements sent and not yet answered; one deadline covers them all, renewed by every answer. */
  private pending = 0;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  /** Rejects when the unit stalls, so that every statement still waiting fails, whatever the driver does. */
  private readonly stall: Promise<never>;
  private failStall: (error: DbError) => void = () => {};
  /** Named prepared statements only where the pool keeps its connections (`PoolMode` direct). */
  private readonly prepare: boolean;
  readonly prelude: Promise<ReadonlyArray<postgres.RowList<postgres.Row[]>>>;
  readonly db: Drizzle;

  private constructor(
    private readonly reserved: postgres.ReservedSql,
    pool: postgres.Sql,
    prelude: (sql: postgres.ReservedSql) => ReadonlyArray<postgres.PendingQuery<postgres.Row[]>>,
    private readonly refuse: Refusal,
    private readonly replyTimeoutMs: number,
  ) {
    this.prepare = pool.options.prepare !== false;
    this.stall = new Promise<never>((_, reject) => {
      this.failStall = reject;
    });
    this.stall.catch(() => {});
    // BEGIN, the prelude and (in `run`) the first statement go out without waiting on each other.
    const begin = reserved.unsafe("begin", [], {
      onexecute: (connection: DriverConnection) => {
        this.connection = connection;
        this.token = connection.reserved;
        return true;
      },
    } as postgres.UnsafeQueryOptions);
    const queries = prelude(reserved);
    for (const query of [begin, ...queries]) this.track(query.execute());
    this.prelude = Promise.race([Promise.all([begin, ...queries]), this.stall]).then((results) => results.slice(1));
    this.prelude.catch(() => {});
    // Drizzle over this connection only; statements are prepared, where the pool allows, so that they pipeline.
    const client = { options: pool.options, unsafe: this.send } as unknown as postgres.Sql;
    this.db = drizzle({ client });
  }

  static async open(
    pool: postgres.Sql,
    prelude: (sql: postgres.ReservedSql) => ReadonlyArray<postgres.PendingQuery<postgres.Row[]>>,
    refuse: Refusal,
    acquireTimeoutMs: number,
    replyTimeoutMs: number,
  ): Promise<Transaction> {
    const reserved = await reserve(pool, acquireTimeoutMs);
    const transaction = new Transaction(reserved, pool, prelude, refuse, replyTimeoutMs);
    // postgres.js dispatches queries one microtask later; after this, BEGIN has met its connection.
    await null;
    return transaction;
  }

  private alive(): boolean {
    return !this.broken && this.connection !== undefined && this.connection.reserved === this.token;
  }

  /**
   * Every statement has a deadline on this side too: a database or pooler that stops answering (a pooler queues a
   * query for minutes while its server is down) gets `replyTimeoutMs`, then the connection is closed and every
   * statement still waiting on it fails. One timer per unit of work: armed when a statement goes out with none
   * pending, renewed by each answer (statements answer in order), cleared when none is left.
   */
  private track<Q extends PromiseLike<unknown>>(query: Q): Q {
    if (this.pending++ === 0) this.deadline = setTimeout(this.onStall, this.replyTimeoutMs);
    query.then(this.answered, (cause: unknown) => {
      this.answered();
      if (isConnectionLoss(fromCause(cause))) this.broken = true;
    });
    return query;
  }

  private readonly answered = (): void => {
    if (--this.pending === 0) clearTimeout(this.deadline);
    else this.deadline?.refresh();
  };

  private readonly onStall = (): void => {
    this.stalled = true;
    // A closed slot keeps statements queued and never answers them: fail them here, then close what is ours.
    this.failStall(new DatabaseUnavailable({ detail: stallDetail(this.replyTimeoutMs) }));
    this.discard();
  };

  /** Drizzle's entry point. Unprepared statements with parameters cost postgres.js an extra round trip. */
  private readonly send = (statement: string, parameters: Array<unknown>, options: postgres.UnsafeQueryOptions) =>
    this.dispatch(statement, parameters, options, true);

  /** A statement of the runtime's own (the context's): not subject to the refusals that guard the unit's statements. */
  private readonly sendOwn = (
    statement: string,
    parameters: Array<unknown>,
  ): PromiseLike<postgres.RowList<postgres.Row[]>> =>
    this.dispatch(statement, parameters, {}, false) as PromiseLike<postgres.RowList<postgres.Row[]>>;

  /** The next statement sent carries the closing message and COMMIT right behind it (`last`). */
  private commitBehindNext = false;
  /** The closing message and COMMIT written behind a unit's last statement, not yet read. */
  private committing: Promise<unknown> | undefined;
  /** COMMIT has been written: a statement sent now would run after it, outside the transaction. */
  private commitWritten = false;

  /** Answers of the runtime's own statements still to be checked before COMMIT (`expect`). */
  private readonly expected: Array<Promise<DbError | undefined>> = [];

  /**
   * One of the runtime's own statements, sent without waiting for it: the statements after it are written behind
   * it (the server runs them in order), and its answer is checked before COMMIT, so a failed check rolls the unit
   * back. What runs in between runs with less, never more: a context the database refused shows no tenant's rows.
   * Returns that check's outcome, for a caller that needs the answer before the unit ends.
   */
  readonly expect = (
    statement: string,
    parameters: Array<unknown>,
    check: (rows: postgres.RowList<postgres.Row[]>) => DbError | undefined,
  ): Promise<DbError | undefined> => {
    const answer = Promise.resolve(this.sendOwn(statement, parameters)).then(check, fromCause);
    this.expected.push(answer);
    return answer;
  };

  /** The first refusal among the expected answers, in the order they were sent. */
  async refusals(): Promise<DbError | undefined> {
    for (const answer of this.expected) {
      const refused = await answer;
      if (refused !== undefined) return refused;
    }
    return undefined;
  }

  private dispatch(
    statement: string,
    parameters: Array<unknown>,
    options: postgres.UnsafeQueryOptions,
    guard: boolean,
  ) {
    if (this.state !== "open") {
      return rejected(
        new TenantContextMissing({ detail: "the transaction has ended; run this inside its unit of work" }),
      );
    }
    if (this.commitWritten) {
      return rejected(
        new TenantContextMissing({
          detail: "the unit has committed (its last statement was sent); nothing may follow",
        }),
      );
    }
    if (!this.alive()) return rejected(new DatabaseUnavailable({ detail: "the connection was lost" }));
    const refusal = guard ? this.refuse(statement) : undefined;
    if (refusal !== undefined) return rejected(refusal);
    // Every statement the same way: extended protocol, named where the pool keeps its connections. postgres.js
    // would send one without parameters as a simple query, which the server plans on every call. Unnamed (behind a
    // transaction pooler), a statement whose values are all text, numbers or null goes out whole, the server typing
    // its parameters (the project's postgres.js patch): postgres.js would first ask for their types, a round trip.
    const query = this.track(
      this.reserved.unsafe(
        statement,
        parameters as Array<never>,
        {
          ...options,
          prepare: this.prepare,
          simple: false,
          describeParameters: this.prepare,
        } as postgres.UnsafeQueryOptions,
      ),
    );
    if (this.commitBehindNext) {
      this.commitBehindNext = false;
      this.commitWritten = true;
      this.committing = this.close("commit");
      this.committing.catch(() => {});
    }
    return new Reply(query, this.stall);
  }

  /**
   * Runs `statement` on this transaction and writes the closing message and COMMIT right behind the first query it
   * sends at once: the unit ends in that statement's round trip. `finish` then reads that COMMIT instead of writing
   * one. `then` is called here, synchronously: a Drizzle query is sent when it is awaited.
   */
  readonly last = <A>(statement: (db: Drizzle) => PromiseLike<A>): Promise<A> => {
    if (this.state === "open" && !this.commitWritten) this.commitBehindNext = true;
    try {
      return new Promise<A>((resolve, reject) => {
        statement(this.db).then(resolve, reject);
      });
    } finally {
      this.commitBehindNext = false;
    }
  };

  /**
   * COMMIT or ROLLBACK, once, with the session cleanup in the same message. Returns the error, if it failed.
   * A session the cleanup cannot make whole again is closed rather than handed to the next unit of work.
   */
  async finish(command: "commit" | "rollback"): Promise<DbError | undefined> {
    const deadlineMs = this.replyTimeoutMs;
    if (this.state === "ended") return undefined;
    const committing = this.committing;
    if (committing !== undefined) {
      this.committing = undefined;
      // Written behind the last statement: it committed unless that statement failed (the transaction was aborted,
      // so the closing message failed too); only then is there something to roll back.
      const failure = await committing.then(
        () => undefined,
        (cause: unknown) => fromCause(cause),
      );
      const aborted = failure !== undefined && !this.stalled && !isConnectionLoss(failure);
      if (command === "commit" || !aborted) return this.closed("commit", committing);
    }
    if (this.state === "lost" || !this.alive()) {
      // A connection error the server itself reported (Citus: a worker it could not reach) leaves the socket open:
      // closed here, or its slot would never return to the pool.
      this.discard();
      return new DatabaseUnavailable({
        detail: this.stalled
          ? `${stallDetail(deadlineMs)}; nothing was committed`
          : "the connection was lost; nothing was committed",
      });
    }
    return this.closed(command, this.close(command));
  }

  /** Writes the closing message; its deadline is the client's, since it resets the session's statement_timeout. */
  private close(command: "commit" | "rollback"): Promise<unknown> {
    return Promise.race([this.track(this.reserved.unsafe(CLOSING[command]).simple()), this.stall]);
  }

  /** How the closing message ended. A session the cleanup cannot make whole again is closed, not reused. */
  private async closed(command: "commit" | "rollback", closing: Promise<unknown>): Promise<DbError | undefined> {
    try {
      const results = await closing;
      this.state = "ended";
      if (hasResidue(results)) this.discard();
      return undefined;
    } catch (cause) {
      // A failed COMMIT still ends the transaction on the server, but the cleanup may not have run: the
      // connection is not reused either way.
      this.discard();
      return this.stalled
        ? new DatabaseUnavailable({
            detail: `${command.toUpperCase()} did not answer within ${this.replyTimeoutMs} ms; the connection was closed and the outcome is unknown`,
          })
        : fromCause(cause);
    }
  }

  /**
   * A unit of one statement in one round trip: the closing message and COMMIT are written right behind the
   * statement, so BEGIN, the prelude, the statement and COMMIT reach the server together. A failed statement
   * aborts the transaction, so the COMMIT behind it commits nothing; ROLLBACK then follows in a second message.
   * When `statement` sends nothing at once (it awaits something first), the unit ends in a second round trip.
   * Fails with the prelude's refusal first: it explains whatever the statement saw.
   */
  async one<A>(statement: (db: Drizzle) => PromiseLike<A>, verify: RunOptions["verify"]): Promise<A> {
    const outcome = await this.last(statement).then(
      (value) => ({ ok: true as const, value }),
      (cause: unknown) => ({ ok: false as const, error: fromCause(cause) }),
    );
    const refused = await this.prelude.then(verify, fromCause);
    // A refused context with COMMIT not yet written: nothing is committed.
    if (!outcome.ok || (refused !== undefined && this.committing === undefined)) {
      await this.finish("rollback");
      throw refused ?? (outcome.ok ? undefined : outcome.error);
    }
    const failed = await this.finish("commit");
    if (failed !== undefined) throw failed;
    if (refused !== undefined) throw refused;
    return outcome.value;
  }

  /** Closes the socket; the pool opens a fresh connection in its place. */
  private discard(): void {
    this.state = "lost";
    // Only while the slot is still this transaction's: postgres.js reuses it for new connections.
    if (this.connection !== undefined && this.connection.reserved === this.token) this.connection.terminate?.();
  }

  /** Back to the pool only when the transaction ended cleanly; a lost connection is never handed out again. */
  release(): void {
    if (this.state === "ended" && this.alive()) this.reserved.release();
  }
}

/**
 * A reserved connection, retried when the pool hands out a dead one. Nothing has been sent yet, so a
 * retry is safe. postgres.js can also leave a reservation unanswered after a connection was reset
 * (its slot keeps state from the lost socket); the deadline turns that into an error, and a retry.
 */
const reserve = async (pool: postgres.Sql, acquireTimeoutMs: number): Promise<postgres.ReservedSql> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await reserveWithin(pool, acquireTimeoutMs);
    } catch (cause) {
      const error = fromCause(cause);
      if (attempt === 3 || !isConnectionLoss(error)) throw error;
    }
  }
};

const reserveWithin = (pool: postgres.Sql, ms: number) =>
  new Promise<postgres.ReservedSql>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new DatabaseUnavailable({ detail: `no connection from the pool within ${ms} ms` }));
    }, ms);
    pool.reserve().then(
      (reserved) => {
        clearTimeout(timer);
        // A connection that arrives after the deadline goes straight back.
        if (late) reserved.release();
        else resolve(reserved);
      },
      (cause: unknown) => {
        clearTimeout(timer);
        if (!late) reject(cause);
      },
    );
  });

export interface RunOptions {
  readonly prelude: (sql: postgres.ReservedSql) => ReadonlyArray<postgres.PendingQuery<postgres.Row[]>>;
  /** Checks the prelude's results (e.g. that the context took); an error rolls back. */
  readonly verify: (results: ReadonlyArray<postgres.RowList<postgres.Row[]>>) => DbError | undefined;
  readonly refuse: Refusal;
  /** How long to wait for a pooled connection. */
  readonly acquireTimeoutMs: number;
  /** How long any statement, COMMIT and ROLLBACK included, may go unanswered before the connection is closed. */
  readonly replyTimeoutMs: number;
}

/**
 * How a unit of work ends once its body has: the prelude checked, then COMMIT, or ROLLBACK when the body or the
 * check failed. The connection goes back to the pool only after a clean end. Never rejects.
 */
const settle = async <A, E>(
  transaction: Transaction,
  verify: RunOptions["verify"],
  exit: Exit.Exit<A, E>,
): Promise<Exit.Exit<A, E | DbError>> => {
  let outcome: Exit.Exit<A, E | DbError> = exit;
  if (!Exit.isInterrupted(exit)) {
    // A context the database refused explains whatever the body saw: it comes first.
    const refused = (await transaction.prelude.then(verify, fromCause)) ?? (await transaction.refusals());
    const failed = refused ?? (Exit.isSuccess(exit) ? await transaction.finish("commit") : undefined);
    if (failed !== undefined) outcome = Exit.fail(failed);
  }
  // After a failed commit `finish` does nothing more; after a failed body it rolls back.
  await transaction.finish("rollback");
  transaction.release();
  return outcome;
};

/** A transaction opened on a connection of `pool`; opening runs to completion once started. */
const open = (pool: postgres.Sql, options: RunOptions): Effect.Effect<Transaction, DbError> =>
  Effect.async((resume) => {
    Transaction.open(pool, options.prelude, options.refuse, options.acquireTimeoutMs, options.replyTimeoutMs).then(
      (transaction) => resume(Effect.succeed(transaction)),
      (cause: unknown) => resume(Effect.fail(fromCause(cause))),
    );
  });

/**
 * Runs `body` in one transaction, with the unit's service (`tag`: its handle on the transaction, built by `service`)
 * in its context: commit on success, rollback on failure or interruption. Only the body can be interrupted; opening
 * and ending the transaction run to completion. Plain promises inside, few Effect steps around them: this is every
 * unit of work's fixed cost. The service is added to the fiber's context and the context restored here, inside the
 * uninterruptible region the unit needs anyway, rather than by `provideService` around the body, which is an
 * acquire-use-release of its own.
 */
export const run = <A, E, R, I, S>(
  pool: postgres.Sql,
  options: RunOptions,
  tag: Context.Tag<I, S>,
  service: (db: Drizzle, expect: Transaction["expect"], last: Transaction["last"]) => S,
  body: Effect.Effect<A, E, R>,
): Effect.Effect<A, E | DbError, Exclude<R, I>> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(open(pool, options), (transaction) =>
      Effect.withFiberRuntime<A, E | DbError>((fiber) => {
        const outer = fiber.getFiberRef(FiberRef.currentContext);
        const inner = Context.add(outer, tag, service(transaction.db, transaction.expect, transaction.last));
        // Settles the unit with the context as it was before it, whatever the body did.
        const end = (exit: Exit.Exit<A, E>) =>
          Effect.zipRight(
            FiberRef.set(FiberRef.currentContext, outer),
            Effect.async<A, E | DbError>((resume) => {
              settle(transaction, options.verify, exit).then(resume);
            }),
          );
        // The body starts before the prelude answers, so its first statement shares that round trip.
        return Effect.zipRight(
          FiberRef.set(FiberRef.currentContext, inner),
          Effect.matchCauseEffect(restore(body as Effect.Effect<A, E>), {
            onFailure: (cause) => end(Exit.failCause(cause)),
            onSuccess: (value) => end(Exit.succeed(value)),
          }),
        );
      }),
    ),
  );

/**
 * One statement as a unit of work in one round trip (`Transaction.one`). Not interruptible: the unit ends on its
 * own, committed or rolled back, whatever happens to the fiber that started it.
 */
export const runOne = <A>(
  pool: postgres.Sql,
  options: RunOptions,
  statement: (db: Drizzle) => PromiseLike<A>,
): Effect.Effect<A, DbError> =>
  Effect.tryPromise({
    try: async () => {
      const transaction = await Transaction.open(
        pool,
        options.prelude,
        options.refuse,
        options.acquireTimeoutMs,
        options.replyTimeoutMs,
      );
      try {
        return await transaction.one(statement, options.verify);
      } finally {
        transaction.release();
      }
    },
    catch: fromCause,
  });
