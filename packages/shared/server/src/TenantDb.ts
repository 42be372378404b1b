import { SharedEntityIds } from "@beep/shared-domain";
import { TenantContext } from "@beep/shared-tables";
import { Context, Effect, Either, Layer, ParseResult, Schema } from "effect";
import { Db } from "./Db.ts";
import { type DbError, InvalidOrganizationId, TenantAccessDenied, TenantContextMissing } from "./DbErrors.ts";
import { run } from "./internal/transaction.ts";
import { TenantTx } from "./TenantTx.ts";

export type WithOrgError = InvalidOrganizationId | DbError;

export interface TenantDbShape {
  readonly withOrg: (
    organizationId: string,
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | WithOrgError, Exclude<R, TenantTx>>;
}

/** Runs units of work as one tenant, each in its own transaction with the context set for that transaction only. */
export class TenantDb extends Context.Tag("@beep/shared-server/TenantDb")<TenantDb, TenantDbShape>() {}

const decodeOrganizationId = Schema.decodeUnknownEither(SharedEntityIds.OrganizationId.schema);

/** Checks an organization id before any SQL: the only way a value reaches `set_config`. */
export const parseOrganizationId = (
  input: unknown,
): Effect.Effect<SharedEntityIds.OrganizationId, InvalidOrganizationId> => {
  const shown = typeof input === "string" ? input.slice(0, 80) : String(typeof input);
  if (typeof input !== "string") {
    return Effect.fail(new InvalidOrganizationId({ input: shown, reason: "expected a string" }));
  }
  return Either.match(decodeOrganizationId(input), {
    onLeft: (error) =>
      Effect.fail(
        new InvalidOrganizationId({ input: shown, reason: ParseResult.TreeFormatter.formatErrorSync(error) }),
      ),
    onRight: Effect.succeed,
  });
};

// The context belongs to withOrg alone: a statement that touches it would outlive or widen the transaction.
const CONTEXT_IN_SQL = new RegExp(TenantContext.SETTING.replace(".", "\\."), "i");
const refuse = (statement: string) =>
  CONTEXT_IN_SQL.test(statement)
    ? new TenantAccessDenied({ detail: `statements may not touch ${TenantContext.SETTING}; TenantDb.withOrg sets it` })
    : undefined;

/** `TenantDb` over the runtime pool. */
export const layer: Layer.Layer<TenantDb, never, Db> = Layer.effect(
  TenantDb,
  Effect.map(Db, ({ sql, options }) => ({
    withOrg:
      (organizationId: string) =>
      <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | WithOrgError, Exclude<R, TenantTx>> =>
        Effect.gen(function* () {
          const org = yield* parseOrganizationId(organizationId);
          // Inside a unit of work for the same organization, join it rather than take a second connection.
          const outer = yield* Effect.serviceOption(TenantTx);
          if (outer._tag === "Some" && outer.value.organizationId === org) {
            return yield* Effect.provideService(effect, TenantTx, outer.value);
          }
          return yield* run(
            sql,
            {
              prelude: (reserved) => [reserved`select set_config(${TenantContext.SETTING}, ${org}, true) as org`],
              verify: ([context]) =>
                context?.[0]?.org === org
                  ? Effect.void
                  : Effect.fail(new TenantContextMissing({ detail: "set_config did not take" })),
              refuse,
              acquireTimeoutMs: options.acquireTimeoutMs,
            },
            (db) => Effect.provideService(effect, TenantTx, { organizationId: org, db }),
          );
        }),
  })),
);

/** Runs `effect` as `organizationId`, in one transaction. Invalid ids fail before any SQL. */
export const withOrg =
  (organizationId: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | WithOrgError, TenantDb | Exclude<R, TenantTx>> =>
    Effect.flatMap(TenantDb, (tenantDb) => tenantDb.withOrg(organizationId)(effect));
