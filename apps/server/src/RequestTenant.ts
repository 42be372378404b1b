import { IamTables } from "@beep/iam-tables";
import type { SharedEntityIds } from "@beep/shared-domain";
import { type Db, DbErrors, Prepared, TenantDb, TenantTx, type UserTx } from "@beep/shared-server";
import { TenantRole } from "@beep/shared-tables";
import { eq } from "drizzle-orm";
import { Effect } from "effect";
import { BadRequest, Forbidden, NotFound, ServiceUnavailable, Unauthorized } from "./ApiErrors.ts";
import * as ApiKeys from "./ApiKeys.ts";
import { CurrentSession, type Session } from "./CurrentSession.ts";
import * as RequestLog from "./RequestLog.ts";

type DbFailure = TenantDb.WithOrgError;

const DB_FAILURES: ReadonlySet<string> = new Set([
  "InvalidOrganizationId",
  "TenantContextMissing",
  "TenantAccessDenied",
  "NoTenantRole",
  "DatabaseUnavailable",
  "QueryTimeout",
  "UniqueViolation",
  "QueryFailed",
]);

const isDbFailure = (error: unknown): error is DbFailure =>
  typeof error === "object" && error !== null && "_tag" in error && DB_FAILURES.has(String(error._tag));

/** SQLSTATE of a row-level security check that refused a row: the role's grants did not allow the write. */
const POLICY_REFUSED = "42501";

/**
 * What a database error the handler did not handle means to the client: unreachable or too slow is 503; a write
 * the role's grants refused is 403; any other refusal by the tenant's policies is 404 (existence does not leak);
 * anything else is a bug (500). The client gets a short, generic answer; the request log line of a 5xx gets the
 * error's tag, SQLSTATE and message.
 */
const toHttp = (error: DbFailure): Effect.Effect<never, HttpFailure> => {
  switch (error._tag) {
    case "DatabaseUnavailable":
    case "QueryTimeout":
      return Effect.zipRight(
        RequestLog.annotateError(error),
        Effect.fail(new ServiceUnavailable({ message: "database unavailable" })),
      );
    case "TenantAccessDenied":
      return Effect.fail(
        error.code === POLICY_REFUSED
          ? new Forbidden({ message: "your role may not do this" })
          : new NotFound({ message: "not found" }),
      );
    default:
      return Effect.zipRight(RequestLog.annotateError(error), Effect.die(error));
  }
};

type HttpFailure = ServiceUnavailable | NotFound | Forbidden;

/** Database errors a unit of work left unhandled, as HTTP errors; the rest as they are. */
const asHttp = <A, E, R>(
  unit: Effect.Effect<A, E | DbFailure, R>,
): Effect.Effect<A, Exclude<E, DbFailure> | HttpFailure, R> =>
  Effect.catchAll(
    unit,
    (error: unknown): Effect.Effect<never, Exclude<E, DbFailure> | HttpFailure> =>
      isDbFailure(error) ? toHttp(error) : Effect.fail(error as Exclude<E, DbFailure>),
  );

/**
 * Runs `effect` in one transaction of `scope` (`TenantDb.withContext`): committed when it succeeds, rolled back on
 * any failure. Database errors it leaves unhandled become HTTP errors.
 */
export const inContext =
  (scope: TenantDb.TenantScope) =>
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
  ): Effect.Effect<A, Exclude<E, DbFailure> | HttpFailure, Exclude<R, TenantTx.TenantTx> | TenantDb.TenantDb> =>
    asHttp(TenantDb.withContext(scope)(effect));

/** One statement as `scope` in one round trip (`TenantDb.query`); database errors as HTTP errors. */
export const queryIn =
  (scope: TenantDb.TenantScope) =>
  <A>(statement: (db: Db.Drizzle) => PromiseLike<A>): Effect.Effect<A, HttpFailure, TenantDb.TenantDb> =>
    asHttp(TenantDb.query(scope)(statement));

/** Runs `effect` as `userId` outside any organization (`TenantDb.withUser`), database errors as HTTP errors. */
export const asUser =
  (userId: SharedEntityIds.UserId) =>
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
  ): Effect.Effect<A, Exclude<E, DbFailure> | HttpFailure, Exclude<R, UserTx.UserTx> | TenantDb.TenantDb> =>
    asHttp(TenantDb.withUser(userId)(effect));

/** The calling person's user id; an API key, which acts for no person, gets 403. */
export const person: Effect.Effect<SharedEntityIds.UserId, Forbidden, CurrentSession> = Effect.flatMap(
  CurrentSession,
  (session) =>
    session.userId === undefined
      ? Effect.fail(new Forbidden({ message: "this needs a person's sign-in, not an API key" }))
      : Effect.succeed(session.userId),
);

/** `inContext` as `userId` in `organizationId`, with no role yet. */
export const inOrganization = (organizationId: SharedEntityIds.OrganizationId, userId: SharedEntityIds.UserId) =>
  inContext({ organizationId, userId });

// Built once: every request of a person reads it (the statement is rendered here, not per request).
const MEMBERSHIP = Prepared.make(["userId"], (db, placeholders) =>
  db
    .select({ role: IamTables.member.role })
    .from(IamTables.member)
    .where(eq(IamTables.member.userId, placeholders.userId))
    .limit(1),
);

/** The caller's role in the context's organization: their own membership row, which every context may read. */
export const membershipRole = (userId: SharedEntityIds.UserId) =>
  TenantTx.use(Prepared.run(MEMBERSHIP, { userId })).pipe(Effect.map((rows) => rows[0]?.role));

/** The organization the session names, or 400 saying how to name one. */
export const organizationOf = (session: Session): Effect.Effect<SharedEntityIds.OrganizationId, BadRequest> =>
  session.organizationId === undefined
    ? Effect.fail(new BadRequest({ message: "name the organization: send the X-Organization-Id header" }))
    : Effect.succeed(session.organizationId);

/**
 * Runs the caller's request in its organization, in one transaction, as the caller's role: a person's is their
 * membership, which the database reads and re-signs the context with (`TenantTx.asHeldRole`: no round trip of its
 * own, so a list request takes one); an API key's is its own (`ApiKeys.authorize`). No membership: 401.
 */
export const run = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<
  A,
  Exclude<E, DbFailure> | HttpFailure | Unauthorized | BadRequest,
  Exclude<R, TenantTx.TenantTx> | TenantDb.TenantDb | CurrentSession
> =>
  Effect.gen(function* () {
    const session = yield* CurrentSession;
    const organizationId = yield* organizationOf(session);
    const { apiKey, userId } = session;
    if (apiKey !== undefined) {
      return yield* inContext({ organizationId, userId })(
        Effect.flatMap(ApiKeys.authorize(apiKey), (found) => TenantTx.asRole(found)(effect)),
      );
    }
    if (userId === undefined) return yield* new Unauthorized({ message: "no user and no API key" });
    const unit = TenantDb.withContext({ organizationId, userId })(TenantTx.asHeldRole(effect));
    return yield* asHttp(
      Effect.mapError(unit, (error) =>
        // The database found no membership to re-sign the context with (`TenantTx.asHeldRole`).
        error instanceof DbErrors.NoTenantRole
          ? new Unauthorized({ message: "not a member of this organization" })
          : error,
      ),
    );
  });

/** The role the request acts as (inside `run`). */
export const currentRole: Effect.Effect<TenantRole.Role, DbFailure, TenantTx.TenantTx> = Effect.flatMap(
  TenantTx.heldRole,
  (role) => (TenantRole.isRole(role) ? Effect.succeed(role) : Effect.die("the request acts with no role")),
);

/** The acting user (inside `run`), or null for an API key: what authorship and audit columns record. */
export const actor: Effect.Effect<SharedEntityIds.UserId | null, never, TenantTx.TenantTx> = Effect.map(
  TenantTx.TenantTx,
  (tx) => tx.userId ?? null,
);

/** Fails 403 unless the request's role covers `needed`. */
export const requireRole = (needed: TenantRole.Role, what: string) =>
  Effect.flatMap(currentRole, (role) =>
    TenantRole.covers(role, needed)
      ? Effect.void
      : Effect.fail(new Forbidden({ message: `only ${TenantRole.atLeast(needed).join(" or ")} may ${what}` })),
  );

/**
 * A write that changed no row: 403 when the caller can see the resource (its role may not change it), 404 when it
 * cannot (missing, or another organization's).
 */
export const refusedOrMissing = <E, R>(find: Effect.Effect<unknown, E, R>, what: string) =>
  Effect.flatMap(find, () => Effect.fail(new Forbidden({ message: `your role may not ${what}` })));
