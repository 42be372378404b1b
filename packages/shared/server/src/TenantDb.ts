import { SharedEntityIds } from "@beep/shared-domain";
import { ContextTicket, TenantContext, TenantRole } from "@beep/shared-tables";
import {
  Config,
  ConfigError,
  Context,
  Effect,
  Either,
  type Fiber,
  FiberRef,
  Layer,
  ParseResult,
  Redacted,
  Schema,
} from "effect";
import type postgres from "postgres";
import * as Db from "./Db.ts";
import {
  type DbError,
  fromCause,
  InvalidOrganizationId,
  NoTenantRole,
  TenantAccessDenied,
  TenantContextMissing,
} from "./DbErrors.ts";
import { type RunOptions, run, runOne, type Transaction } from "./internal/transaction.ts";
import { TenantTx, type TenantTxShape } from "./TenantTx.ts";
import { UserTx } from "./UserTx.ts";

export type WithOrgError = InvalidOrganizationId | DbError;

/** Who a unit of work runs as: the organization, the user when one is acting, and the role they act in. */
export interface TenantScope {
  readonly organizationId: string;
  readonly userId?: string | undefined;
  /** A `TenantRole.Role` (or an invitee's); without one, tables with per-role grants refuse all but their open ones. */
  readonly role?: string | undefined;
}

export interface TenantDbShape {
  readonly withContext: (
    scope: TenantScope,
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | WithOrgError, Exclude<R, TenantTx>>;
  /**
   * One statement as `scope`, as a unit of work of its own in one round trip: BEGIN, the context, the statement, the
   * session cleanup and COMMIT written together (`withContext` takes two: COMMIT waits for the unit's Effect).
   * `statement` must send its one statement when called (a Drizzle query it returns is sent at once); anything
   * else still works, in two round trips. Inside a unit of the same scope it runs in that unit. The context's check
   * is read with the answer: should the database refuse the ticket (a key mismatch), the statement ran as no
   * tenant (no tenant rows seen or written) and the unit fails with `TenantContextMissing`.
   */
  readonly query: (
    scope: TenantScope,
  ) => <A>(statement: (db: Db.Drizzle) => PromiseLike<A>) => Effect.Effect<A, WithOrgError>;
  /**
   * A unit of work as a user outside any organization: the context names the user only, so no tenant's rows are
   * visible; only what the user owns (their user row) or is named in (their memberships, `userColumn`).
   */
  readonly withUser: (
    userId: string,
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | WithOrgError, Exclude<R, UserTx>>;
}

/** Runs units of work as one tenant, each in its own transaction with a signed context for that transaction only. */
export class TenantDb extends Context.Tag("@beep/shared-server/TenantDb")<TenantDb, TenantDbShape>() {}

const decodeOrganizationId = Schema.decodeUnknownEither(SharedEntityIds.OrganizationId.schema);
const isUserId = SharedEntityIds.UserId.is;

export const SHARED_ORGANIZATION_REFUSED = "the shared organization owns the shared rows; no tenant runs as it";

/** The organization id, or why it is refused: the only way a value reaches the ticket. */
const organizationIdOrError = (input: unknown): SharedEntityIds.OrganizationId | InvalidOrganizationId => {
  const shown = typeof input === "string" ? input.slice(0, 80) : String(typeof input);
  if (typeof input !== "string") return new InvalidOrganizationId({ input: shown, reason: "expected a string" });
  return Either.match(decodeOrganizationId(input), {
    onLeft: (error) =>
      new InvalidOrganizationId({ input: shown, reason: ParseResult.TreeFormatter.formatErrorSync(error) }),
    // The owner of the shared rows: a tenant acting as it would write rows every tenant reads.
    onRight: (org) =>
      org === TenantContext.SHARED_ORGANIZATION_ID
        ? new InvalidOrganizationId({ input: shown, reason: SHARED_ORGANIZATION_REFUSED })
        : org,
  });
};

/** Checks an organization id before any SQL. Refuses the shared organization. */
export const parseOrganizationId = (
  input: unknown,
): Effect.Effect<SharedEntityIds.OrganizationId, InvalidOrganizationId> =>
  Effect.suspend(() => {
    const org = organizationIdOrError(input);
    return typeof org === "string" ? Effect.succeed(org) : Effect.fail(org);
  });

// Setting the context by hand is a mistake the runtime can name; the database refuses a forged one anyway.
const CONTEXT_IN_SQL = new RegExp(TenantContext.SETTING.replace(".", "\\."), "i");
const refuse = (statement: string) =>
  CONTEXT_IN_SQL.test(statement)
    ? new TenantAccessDenied({ detail: `statements may not touch ${TenantContext.SETTING}; TenantDb sets it` })
    : undefined;

const KEY_MISMATCH =
  "the database did not accept the context ticket: BEEP_CONTEXT_KEY differs from the key db:migrate installed, " +
  "none was installed, or the server's clock is off by more than a minute";

/**
 * The first statement of every tenant unit of work, pipelined behind BEGIN: the ticket, a pinned search_path and
 * the unit's timeouts (transaction-local), then the check itself, so that a key the database does not share fails
 * here, by name, instead of as a tenant that sees nothing. Public so that a protocol written by hand (the bench)
 * sends the same; the setting's name is a parameter too, so no statement text shows it.
 */
export const PRELUDE_SQL =
  "select set_config($1, $2, true), set_config('search_path', 'public', true), set_config('statement_timeout', $3, true), set_config('lock_timeout', $4, true), set_config('idle_in_transaction_session_timeout', $5, true), beep.current_org_id() as org";

/** The prelude of a user's own unit of work: the same, checked by the user the database reads from the ticket. */
export const USER_PRELUDE_SQL = PRELUDE_SQL.replace("beep.current_org_id() as org", "beep.current_user_id() as usr");

export const preludeParameters = (ticket: string, settings: ReturnType<typeof Db.unitSettings>): Array<string> => [
  TenantContext.SETTING,
  ticket,
  settings.statement,
  settings.lock,
  settings.idle,
];

const NO_PARAMETERS: Array<string> = [];

/** Which prelude a unit sends, and the column of its result that must hold `value` (the context took). */
interface Check {
  readonly prelude: string;
  readonly column: string;
  readonly value: string;
}

/** A new ticket (another role), signed here, for the rest of the transaction, and its check. */
const RESIGN_SQL = "select set_config($1, $2, true), beep.current_role() as role";
const CURRENT_ROLE_SQL = "select beep.current_role() as role";

/**
 * `beep.assume_role()`, sent without waiting; its answer (the role, or why there is none) is also checked before
 * COMMIT. The same statement on Citus: the function sets the ticket with `SET LOCAL`, which the prelude propagates.
 */
const assumeHeld = (expect: Transaction["expect"]): Promise<string | DbError> => {
  let found: string | undefined;
  return expect(TenantContext.ASSUME_ROLE_SQL, NO_PARAMETERS, (rows) => {
    const role = rows[0]?.role;
    if (typeof role === "string" && TenantRole.isContextRole(role)) {
      found = role;
      return undefined;
    }
    return new NoTenantRole({ detail: "the database answered a role no context may carry" });
  }).then((refused) => refused ?? (found as string));
};

/** `TenantDb` over the runtime pool, signing tickets with `contextKey` (the database holds the same key). */
export const make = (contextKey: Redacted.Redacted<string>) =>
  Effect.map(Db.Db, ({ sql, options, engine }): TenantDbShape => {
    const sign = ContextTicket.signer(Redacted.value(contextKey));
    // Once per pool, not per unit of work.
    const settings = Db.unitSettings(options);
    const replyTimeoutMs = Db.replyTimeoutMs(options);
    const prepare = options.poolMode === "direct";
    /**
     * BEGIN's companions for a unit under `claims`: the prelude, its check, the deadlines. Undefined: on Citus, a
     * ticket `SET LOCAL` cannot carry as a literal.
     */
    const unitOptions = (onCitus: boolean, claims: ContextTicket.Claims, check: Check): RunOptions | undefined => {
      const ticket = sign(claims);
      const citusContext = onCitus ? TenantContext.citusContextSql(ticket) : undefined;
      if (onCitus && citusContext === undefined) return undefined;
      const parameters = preludeParameters(ticket, settings);
      // Sent as every statement of the unit is (internal/transaction.ts, `dispatch`): unnamed behind a transaction
      // pooler, whole, without asking for its parameters' types first.
      const prelude = (reserved: postgres.ReservedSql): postgres.PendingQuery<postgres.Row[]> =>
        reserved.unsafe(check.prelude, parameters, {
          prepare,
          describeParameters: prepare,
        } as postgres.UnsafeQueryOptions);
      return {
        prelude: (reserved) =>
          citusContext === undefined
            ? [prelude(reserved)]
            : [
                reserved.unsafe(TenantContext.CITUS_PROPAGATE_SQL, NO_PARAMETERS, { prepare: false }),
                reserved.unsafe(citusContext, NO_PARAMETERS, { prepare: false }),
                prelude(reserved),
              ],
        // The last result is the prelude's own check.
        verify: (results) =>
          results.at(-1)?.[0]?.[check.column] === check.value
            ? undefined
            : new TenantContextMissing({ detail: KEY_MISMATCH }),
        refuse,
        acquireTimeoutMs: options.acquireTimeoutMs,
        replyTimeoutMs,
      };
    };

    /**
     * A new ticket under `next` for the rest of the transaction; on Citus the workers get it as SET LOCAL (propagated
     * since the prelude). Sent without waiting: the unit's next statements are written behind it and the database's
     * reading of the role is checked before COMMIT.
     */
    const resign = (
      onCitus: boolean,
      expect: Transaction["expect"],
      next: ContextTicket.Claims,
    ): Effect.Effect<void, DbError> =>
      Effect.suspend(() => {
        const renewed = sign(next);
        const literal = onCitus ? TenantContext.citusContextSql(renewed) : undefined;
        if (onCitus && literal === undefined) return Effect.fail(UNQUOTABLE());
        const roleTook = (rows: ReadonlyArray<Record<string, unknown>>) =>
          (rows[0]?.role ?? undefined) === next.role ? undefined : new TenantContextMissing({ detail: KEY_MISMATCH });
        if (literal === undefined) {
          expect(RESIGN_SQL, [TenantContext.SETTING, renewed], roleTook);
        } else {
          expect(literal, NO_PARAMETERS, () => undefined);
          expect(CURRENT_ROLE_SQL, NO_PARAMETERS, roleTook);
        }
        return Effect.void;
      });

    /**
     * One unit of work under `claims`: BEGIN, the prelude (the ticket, settings, and the check that the database
     * accepted it: `check` names the prelude's column and the value it must hold), then `effect`, with `tag` in its
     * context as `service` builds it over the transaction.
     */
    const unit = <A, E, R, I, S>(
      claims: ContextTicket.Claims,
      check: Check,
      tag: Context.Tag<I, S>,
      // Given the transaction's own hooks: what re-signs it is built when used, not for every unit of work.
      service: (db: Db.Drizzle, expect: Transaction["expect"], last: Transaction["last"], onCitus: boolean) => S,
      effect: Effect.Effect<A, E, R>,
    ): Effect.Effect<A, E | DbError, Exclude<R, I>> =>
      Effect.flatMap(engine, (found) => {
        const onCitus = found === "citus";
        const options = unitOptions(onCitus, claims, check);
        if (options === undefined) return Effect.fail(UNQUOTABLE());
        return run(sql, options, tag, (db, expect, last) => service(db, expect, last, onCitus), effect);
      });

    return {
      withContext:
        (scope: TenantScope) =>
        <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | WithOrgError, Exclude<R, TenantTx>> =>
          // The fiber's context read as it is, without an Effect step: this runs once per unit of work.
          Effect.withFiberRuntime((fiber) => {
            const checked = checkScope(scope);
            if (!("organizationId" in checked)) return Effect.fail(checked);
            const outer = currentTenantTx(fiber);
            // Inside a unit of work for the same tenant, user and role, join it (its TenantTx is already in the
            // context) rather than take a second connection.
            if (outer._tag === "Some" && sameScope(outer.value, checked)) {
              return effect as Effect.Effect<A, E, Exclude<R, TenantTx>>;
            }
            const { organizationId: org, userId, role } = checked;
            return unit(
              { organizationId: org, userId, role },
              { prelude: PRELUDE_SQL, column: "org", value: org },
              TenantTx,
              (db, expect, last, onCitus) => {
                // The role SQL sees, shared by every view of this transaction: after `asRole`, an outer view reports
                // it too, so a nested unit asking for the old role does not join a transaction that acts as another.
                let current = role;
                // The database's answer to `assumeHeldRole` while it is awaited; then the role, or why there is none.
                let answer: Promise<string | DbError> | undefined;
                let refused: DbError | undefined;
                const shape: TenantTxShape = {
                  organizationId: org,
                  userId,
                  get role() {
                    return current;
                  },
                  get resigning() {
                    return answer !== undefined;
                  },
                  db,
                  last,
                  assumeHeldRole: () =>
                    Effect.suspend(() => {
                      if (current !== undefined || answer !== undefined || refused !== undefined) {
                        return Effect.fail(ALREADY_A_ROLE());
                      }
                      answer = assumeHeld(expect).then((found) => {
                        answer = undefined;
                        if (typeof found === "string") current = found;
                        else refused = found;
                        return found;
                      });
                      return Effect.succeed(shape);
                    }),
                  // A getter: built when asked, not for every unit of work.
                  get heldRole(): Effect.Effect<string | undefined, DbError> {
                    if (answer === undefined)
                      return refused === undefined ? Effect.succeed(current) : Effect.fail(refused);
                    const pending = answer;
                    return Effect.flatMap(
                      Effect.promise(() => pending),
                      (found) => (typeof found === "string" ? Effect.succeed(found) : Effect.fail(found)),
                    );
                  },
                  assumeRole: (next) =>
                    Effect.flatMap(parseRole(next), (checked) =>
                      Effect.as(
                        Effect.tap(resign(onCitus, expect, { organizationId: org, userId, role: checked }), () => {
                          current = checked;
                        }),
                        shape,
                      ),
                    ),
                };
                return shape;
              },
              effect,
            );
          }),
      query:
        (scope: TenantScope) =>
        <A>(statement: (db: Db.Drizzle) => PromiseLike<A>): Effect.Effect<A, WithOrgError> =>
          Effect.withFiberRuntime((fiber): Effect.Effect<A, WithOrgError> => {
            const checked = checkScope(scope);
            if (!("organizationId" in checked)) return Effect.fail(checked);
            const outer = currentTenantTx(fiber);
            if (outer._tag === "Some" && sameScope(outer.value, checked)) {
              return Effect.tryPromise({ try: () => statement(outer.value.db), catch: fromCause });
            }
            return Effect.flatMap(engine, (found) => {
              const options = unitOptions(found === "citus", checked, {
                prelude: PRELUDE_SQL,
                column: "org",
                value: checked.organizationId,
              });
              return options === undefined ? Effect.fail(UNQUOTABLE()) : runOne(sql, options, statement);
            });
          }),
      withUser:
        (userId: string) =>
        <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | WithOrgError, Exclude<R, UserTx>> =>
          Effect.gen(function* () {
            const user = yield* parseUserId(userId);
            if (user === undefined) return yield* new TenantAccessDenied({ detail: "no user" });
            return yield* unit(
              { organizationId: "", userId: user },
              { prelude: USER_PRELUDE_SQL, column: "usr", value: user },
              UserTx,
              (db) => ({ userId: user, db }),
              effect,
            );
          }),
    };
  });

/** A scope checked before any SQL, without Effect steps (this runs once per unit of work), or why it is refused. */
interface CheckedScope {
  readonly organizationId: SharedEntityIds.OrganizationId;
  readonly userId: SharedEntityIds.UserId | undefined;
  readonly role: string | undefined;
}

const checkScope = (scope: TenantScope): CheckedScope | WithOrgError => {
  const organizationId = organizationIdOrError(scope.organizationId);
  if (typeof organizationId !== "string") return organizationId;
  const { userId, role } = scope;
  if (userId === undefined || isUserId(userId)) {
    return role === undefined || TenantRole.isContextRole(role) ? { organizationId, userId, role } : notARole(role);
  }
  return NOT_A_USER();
};

/** The unit of work the fiber runs in, if any, read without an Effect step. */
const currentTenantTx = (fiber: Fiber.RuntimeFiber<unknown, unknown>) =>
  Context.getOption(fiber.getFiberRef(FiberRef.currentContext) as Context.Context<TenantTx>, TenantTx);

// A transaction whose role the database has not yet named is joined by nothing.
const sameScope = (tx: TenantTxShape, scope: CheckedScope) =>
  !tx.resigning && tx.organizationId === scope.organizationId && tx.userId === scope.userId && tx.role === scope.role;

const NOT_A_USER = () => new TenantAccessDenied({ detail: "the user id is not a well-formed shared_user id" });
const notARole = (input: string) => new TenantAccessDenied({ detail: `"${String(input).slice(0, 40)}" is not a role` });
const ALREADY_A_ROLE = () =>
  new TenantAccessDenied({
    detail: "the context already carries a role; assumeHeldRole adds one to a role-less context",
  });
const UNQUOTABLE = () => new TenantAccessDenied({ detail: "the ticket holds a character no SQL literal may carry" });

const parseUserId = (
  input: string | undefined,
): Effect.Effect<SharedEntityIds.UserId | undefined, TenantAccessDenied> =>
  input === undefined ? Effect.succeed(undefined) : isUserId(input) ? Effect.succeed(input) : Effect.fail(NOT_A_USER());

const parseRole = (input: string | undefined): Effect.Effect<string | undefined, TenantAccessDenied> =>
  input === undefined || TenantRole.isContextRole(input) ? Effect.succeed(input) : Effect.fail(notARole(input));

/** The key the runtime signs tickets with: `BEEP_CONTEXT_KEY`, at least 32 characters. */
export const contextKeyConfig: Config.Config<Redacted.Redacted<string>> = Config.redacted("BEEP_CONTEXT_KEY").pipe(
  Config.validate({
    message: `BEEP_CONTEXT_KEY: expected at least ${ContextTicket.MIN_KEY_LENGTH} characters (for example: openssl rand -base64 32)`,
    validation: (key) => Redacted.value(key).length >= ContextTicket.MIN_KEY_LENGTH,
  }),
);

/** `TenantDb` over the runtime pool, with `BEEP_CONTEXT_KEY` from `Config`. */
export const layer: Layer.Layer<TenantDb, ConfigError.ConfigError, Db.Db> = Layer.effect(
  TenantDb,
  Effect.flatMap(contextKeyConfig, make),
);

/** `TenantDb` with an explicit key (tests, tools). A key that is too short is a configuration error. */
export const layerWithKey = (contextKey: string): Layer.Layer<TenantDb, ConfigError.ConfigError, Db.Db> =>
  Layer.effect(
    TenantDb,
    contextKey.length >= ContextTicket.MIN_KEY_LENGTH
      ? make(Redacted.make(contextKey))
      : Effect.fail(
          ConfigError.InvalidData(["BEEP_CONTEXT_KEY"], `Expected at least ${ContextTicket.MIN_KEY_LENGTH} characters`),
        ),
  );

/** Runs `effect` as `scope` (organization, and user when given), in one transaction. Bad ids fail before any SQL. */
export const withContext =
  (scope: TenantScope) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | WithOrgError, TenantDb | Exclude<R, TenantTx>> =>
    Effect.flatMap(TenantDb, (tenantDb) => tenantDb.withContext(scope)(effect));

/** Runs `effect` as `userId` outside any organization (`TenantDbShape.withUser`), in one transaction. */
export const withUser =
  (userId: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | WithOrgError, TenantDb | Exclude<R, UserTx>> =>
    Effect.flatMap(TenantDb, (tenantDb) => tenantDb.withUser(userId)(effect));

/** One statement as `scope` in one round trip (`TenantDbShape.query`). Bad ids fail before any SQL. */
export const query =
  (scope: TenantScope) =>
  <A>(statement: (db: Db.Drizzle) => PromiseLike<A>): Effect.Effect<A, WithOrgError, TenantDb> =>
    Effect.flatMap(TenantDb, (tenantDb) => tenantDb.query(scope)(statement));

/** Runs `effect` as `organizationId` with no user, in one transaction. Invalid ids fail before any SQL. */
export const withOrg = (organizationId: string) => withContext({ organizationId });
