import { IamTables } from "@beep/iam-tables";
import type { SharedEntityIds } from "@beep/shared-domain";
import { TenantDb, TenantTx } from "@beep/shared-server";
import { eq } from "drizzle-orm";
import { Effect } from "effect";
import { NotFound, ServiceUnavailable, Unauthorized } from "./ApiErrors.ts";
import { CurrentSession } from "./CurrentSession.ts";
import * as RequestLog from "./RequestLog.ts";

type DbFailure = TenantDb.WithOrgError;

const DB_FAILURES: ReadonlySet<string> = new Set([
  "InvalidOrganizationId",
  "TenantContextMissing",
  "TenantAccessDenied",
  "DatabaseUnavailable",
  "QueryTimeout",
  "UniqueViolation",
  "QueryFailed",
]);

const isDbFailure = (error: unknown): error is DbFailure =>
  typeof error === "object" && error !== null && "_tag" in error && DB_FAILURES.has(String(error._tag));

/**
 * What a database error the handler did not handle means to the client: unreachable or too slow is 503;
 * refused by the tenant's policies is 404 (existence does not leak); anything else is a bug (500). The client
 * gets a short, generic answer; the request log line of a 5xx gets the error's tag, SQLSTATE and message.
 */
const toHttp = (error: DbFailure): Effect.Effect<never, ServiceUnavailable | NotFound> => {
  switch (error._tag) {
    case "DatabaseUnavailable":
    case "QueryTimeout":
      return Effect.zipRight(
        RequestLog.annotateError(error),
        Effect.fail(new ServiceUnavailable({ message: "database unavailable" })),
      );
    case "TenantAccessDenied":
      return Effect.fail(new NotFound({ message: "not found" }));
    default:
      return Effect.zipRight(RequestLog.annotateError(error), Effect.die(error));
  }
};

/** Inside the tenant transaction, RLS shows only this organization's memberships. */
const assertMember = (userId: SharedEntityIds.UserId) =>
  TenantTx.use((db) =>
    db.select({ id: IamTables.member.id }).from(IamTables.member).where(eq(IamTables.member.userId, userId)).limit(1),
  ).pipe(
    Effect.filterOrFail(
      (rows) => rows.length === 1,
      () => new Unauthorized({ message: "user is not a member of the token's organization" }),
    ),
  );

/**
 * Runs `effect` in one transaction of `organizationId` as `userId` (`TenantDb.withContext`): committed when it
 * succeeds, rolled back on any failure. Database errors it leaves unhandled become HTTP errors.
 */
export const inOrganization =
  (organizationId: SharedEntityIds.OrganizationId, userId: SharedEntityIds.UserId) =>
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
  ): Effect.Effect<
    A,
    Exclude<E, DbFailure> | ServiceUnavailable | NotFound,
    Exclude<R, TenantTx.TenantTx> | TenantDb.TenantDb
  > =>
    TenantDb.withContext({ organizationId, userId })(effect).pipe(
      Effect.catchAll(
        (error: unknown): Effect.Effect<never, Exclude<E, DbFailure> | ServiceUnavailable | NotFound> =>
          isDbFailure(error) ? toHttp(error) : Effect.fail(error as Exclude<E, DbFailure>),
      ),
    );

/** Runs the caller's request in its organization, after checking that it is still a member there. */
export const run = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<
  A,
  Exclude<E, DbFailure> | ServiceUnavailable | NotFound | Unauthorized,
  Exclude<R, TenantTx.TenantTx> | TenantDb.TenantDb | CurrentSession
> =>
  Effect.flatMap(CurrentSession, (session) =>
    inOrganization(session.organizationId, session.userId)(Effect.zipRight(assertMember(session.userId), effect)),
  );
