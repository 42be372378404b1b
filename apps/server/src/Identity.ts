import { createHash } from "node:crypto";
import { SharedEntityIds } from "@beep/shared-domain";
import { type DbErrors, TenantDb, UserTx } from "@beep/shared-server";
import { SharedTables } from "@beep/shared-tables";
import { sql } from "drizzle-orm";
import { Effect } from "effect";
import type * as Oidc from "./Oidc.ts";

const { user } = SharedTables;

/**
 * The user of an identity provider's subject: `shared_user__<uuid>` whose 128 bits are the first of
 * SHA-256(["<issuer>","<subject>"]) with the version 7 and RFC 4122 variant bits set, so the id schema accepts it.
 * The same person always maps to the same user, with no lookup table; another issuer's same subject is another
 * user. Unlike created ids these are not time-ordered.
 */
export const userIdFor = (issuer: string, subject: string): SharedEntityIds.UserId => {
  const bytes = createHash("sha256")
    .update(JSON.stringify([issuer, subject]))
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const id = `${SharedEntityIds.UserId.tableName}__${uuid}`;
  if (!SharedEntityIds.UserId.is(id)) throw new Error("a derived user id is not a shared_user id");
  return id;
};

/**
 * Creates the identity's user, or updates it when the token says something new: in the user's own context
 * (`TenantDb.withUser`), whose policies let a user write only their own row. One statement; an unchanged row is
 * not written.
 */
export const upsert = (
  identity: Oidc.Identity,
): Effect.Effect<SharedEntityIds.UserId, DbErrors.DbError, TenantDb.TenantDb> => {
  const id = userIdFor(identity.issuer, identity.subject);
  const values = {
    email: identity.email,
    emailVerified: identity.emailVerified,
    name: identity.name,
    issuer: identity.issuer,
    subject: identity.subject,
  };
  return TenantDb.withUser(id)(
    UserTx.use((db) =>
      db
        .insert(user)
        .values({ id, ...values })
        .onConflictDoUpdate({
          target: user.id,
          set: values,
          setWhere: sql`(${user.email}, ${user.emailVerified}, ${user.name}, ${user.issuer}, ${user.subject}) is distinct from (excluded.email, excluded.email_verified, excluded.name, excluded.issuer, excluded.subject)`,
        }),
    ),
  ).pipe(
    Effect.as(id),
    // withUser fails with InvalidOrganizationId only for an organization it is never given.
    Effect.catchTag("InvalidOrganizationId", (error) => Effect.die(error)),
  );
};

/** How many people's last written claims a server remembers, so their next requests write nothing. */
const REMEMBERED = 10_000;
/** After this, a person's row is checked again even if their token says nothing new. */
const REMEMBER_MS = 5 * 60 * 1000;

export interface SignIn {
  /** The user of `identity`, created or brought up to date first (just-in-time provisioning). */
  readonly signIn: (
    identity: Oidc.Identity,
  ) => Effect.Effect<SharedEntityIds.UserId, DbErrors.DbError, TenantDb.TenantDb>;
}

/**
 * `upsert` for every request of a token, skipped while the same claims were written for the same user in the last
 * few minutes: a signed-in person costs no extra transaction per request. The memory is one server's.
 */
export const make = (): SignIn => {
  const written = new Map<string, { readonly claims: string; readonly at: number }>();
  return {
    signIn: (identity) => {
      const id = userIdFor(identity.issuer, identity.subject);
      const claims = JSON.stringify([identity.email, identity.emailVerified, identity.name]);
      const last = written.get(id);
      if (last !== undefined && last.claims === claims && Date.now() - last.at < REMEMBER_MS) {
        return Effect.succeed(id);
      }
      return Effect.tap(upsert(identity), () =>
        Effect.sync(() => {
          written.delete(id);
          if (written.size >= REMEMBERED) {
            const oldest = written.keys().next().value;
            if (oldest !== undefined) written.delete(oldest);
          }
          written.set(id, { claims, at: Date.now() });
        }),
      );
    },
  };
};
