import { IamTables } from "@beep/iam-tables";
import type { SharedEntityIds } from "@beep/shared-domain";
import { eq } from "drizzle-orm";
import { Effect } from "effect";
import { ServiceUnavailable, Unauthorized } from "./ApiErrors.ts";
import { CurrentSession } from "./CurrentSession.ts";
import * as Sql from "./internal/Sql.ts";
import { Tenancy } from "./internal/Tenancy.ts";

const unavailable = () => new ServiceUnavailable({ message: "database unavailable" });

/** Inside the tenant transaction, RLS shows only this organization's memberships. */
const assertMember = (userId: SharedEntityIds.UserId) =>
  Sql.query((db) =>
    db.select({ id: IamTables.member.id }).from(IamTables.member).where(eq(IamTables.member.userId, userId)).limit(1),
  ).pipe(
    Effect.filterOrFail(
      (rows) => rows.length === 1,
      () => new Unauthorized({ message: "user is not a member of the token's organization" }),
    ),
  );

/**
 * Runs a request's work in one transaction of an organization: database errors the handler did not
 * handle become 503 (down) or a defect (500), and the whole transaction rolls back on any failure.
 */
export const inOrganization =
  (organizationId: SharedEntityIds.OrganizationId) =>
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
  ): Effect.Effect<
    A,
    Exclude<E, Sql.DatabaseDown | Sql.StatementRejected> | ServiceUnavailable,
    Exclude<R, Sql.Tx> | Tenancy
  > =>
    Effect.flatMap(Tenancy, (tenancy) => tenancy.withOrg(organizationId)(effect)).pipe(
      Effect.catchAll(
        (
          error: unknown,
        ): Effect.Effect<never, Exclude<E, Sql.DatabaseDown | Sql.StatementRejected> | ServiceUnavailable> =>
          error instanceof Sql.DatabaseDown
            ? Effect.fail(unavailable())
            : error instanceof Sql.StatementRejected
              ? Effect.die(error)
              : Effect.fail(error as Exclude<E, Sql.DatabaseDown | Sql.StatementRejected>),
      ),
    );

/** Runs the caller's request in its organization, after checking it is still a member there. */
export const run = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<
  A,
  Exclude<E, Sql.DatabaseDown | Sql.StatementRejected> | ServiceUnavailable | Unauthorized,
  Exclude<R, Sql.Tx> | Tenancy | CurrentSession
> =>
  Effect.flatMap(CurrentSession, (session) =>
    inOrganization(session.organizationId)(Effect.zipRight(assertMember(session.userId), effect)),
  );
