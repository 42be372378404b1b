import { IamEntityIds, IamTables } from "@beep/iam-tables";
import { TenantTx } from "@beep/shared-server";
import { SharedTables, TenantRole } from "@beep/shared-tables";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import { asc, eq, gt, sql } from "drizzle-orm";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { Conflict, Forbidden, notFound, Unauthorized } from "../ApiErrors.ts";
import * as AuditLog from "../AuditLog.ts";
import { CurrentSession } from "../CurrentSession.ts";
import * as Pagination from "../Pagination.ts";
import * as RequestTenant from "../RequestTenant.ts";
import { profile } from "./Members.ts";

const { member, invitation } = IamTables;
const INVITATION = IamEntityIds.InvitationId.tableName;

/** Invitations are valid for a week. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

type Row = typeof invitation.$inferSelect;

/** What the API shows: a pending invitation past its expiry is `expired`. */
const shown = (row: Row, now = Date.now()) => ({
  id: row.id,
  email: row.email,
  role: row.role,
  status: row.status === "pending" && row.expiresAt.getTime() <= now ? ("expired" as const) : row.status,
  expiresAt: row.expiresAt,
  createdAt: row.createdAt,
});

const findInvitation = (id: IamEntityIds.InvitationId) =>
  TenantTx.use((db) => db.select().from(invitation).where(eq(invitation.id, id)).limit(1)).pipe(
    Effect.flatMap((rows) => (rows[0] === undefined ? Effect.fail(notFound("invitation")) : Effect.succeed(rows[0]))),
  );

const stillPending = (row: Row) => {
  const status = shown(row).status;
  return status === "pending" ? Effect.void : Effect.fail(new Conflict({ message: `the invitation is ${status}` }));
};

const listInvitations = Pagination.listing((db, after) =>
  db
    .select()
    .from(invitation)
    .where(after && gt(invitation.id, after))
    .orderBy(asc(invitation.id))
    .limit(Pagination.LIMIT),
);

export const InvitationsLive = HttpApiBuilder.group(Api, "invitations", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          yield* RequestTenant.requireRole(payload.role === "owner" ? "owner" : "admin", `invite as ${payload.role}`);
          const invitedBy = yield* RequestTenant.actor;
          const members = yield* TenantTx.use((db) =>
            db.select({ id: member.id }).from(member).where(sql`lower(${member.email}) = ${payload.email}`).limit(1),
          );
          if (members.length > 0) return yield* new Conflict({ message: `${payload.email} is already a member` });
          const [existing] = yield* TenantTx.use((db) =>
            db.select().from(invitation).where(eq(invitation.email, payload.email)).limit(1),
          );
          if (existing !== undefined && shown(existing).status === "pending") {
            return yield* new Conflict({ message: `${payload.email} is already invited` });
          }
          const values = {
            email: payload.email,
            role: payload.role,
            status: "pending" as const,
            invitedBy,
            expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
          };
          // One invitation per address: a revoked, accepted or expired one is renewed.
          const [saved] = yield* TenantTx.use((db) =>
            existing === undefined
              ? db.insert(invitation).values(values).returning()
              : db.update(invitation).set(values).where(eq(invitation.id, existing.id)).returning(),
          ).pipe(
            Effect.catchTag("UniqueViolation", () =>
              Effect.fail(new Conflict({ message: `${payload.email} is already invited` })),
            ),
          );
          if (saved === undefined)
            return yield* new Forbidden({ message: `your role may not invite as ${payload.role}` });
          yield* AuditLog.recordForSession({
            action: "invitation.created",
            entityType: INVITATION,
            entityId: saved.id,
          });
          return shown(saved);
        }),
      ),
    )
    .handle("list", ({ urlParams }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          yield* RequestTenant.requireRole("admin", "see invitations");
          const page = yield* listInvitations.last(urlParams);
          return { items: page.items.map((row) => shown(row)), nextCursor: page.nextCursor };
        }),
      ),
    )
    .handle("revoke", ({ path }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          yield* RequestTenant.requireRole("admin", "revoke invitations");
          yield* stillPending(yield* findInvitation(path.id));
          const [revoked] = yield* TenantTx.use((db) =>
            db
              .update(invitation)
              .set({ status: "revoked" })
              .where(eq(invitation.id, path.id))
              .returning({ id: invitation.id }),
          );
          if (revoked === undefined) {
            return yield* RequestTenant.refusedOrMissing(findInvitation(path.id), "revoke this invitation");
          }
          yield* AuditLog.recordForSession({
            action: "invitation.revoked",
            entityType: INVITATION,
            entityId: revoked.id,
          });
        }),
      ),
    )
    .handle("accept", ({ path }) =>
      Effect.gen(function* () {
        const userId = yield* RequestTenant.person;
        const organizationId = yield* RequestTenant.organizationOf(yield* CurrentSession);
        // Not a member yet: the context acts as this invitation's invitee, which sees that invitation only.
        return yield* RequestTenant.inContext({ organizationId, userId, role: TenantRole.invitee(path.id) })(
          Effect.gen(function* () {
            const found = yield* findInvitation(path.id);
            yield* stillPending(found);
            const [self] = yield* TenantTx.use((db) =>
              db.select().from(SharedTables.user).where(eq(SharedTables.user.id, userId)).limit(1),
            );
            if (self === undefined) return yield* new Unauthorized({ message: "unknown user" });
            if (!self.emailVerified || self.email.toLowerCase() !== found.email) {
              return yield* new Forbidden({
                message: "the invitation is for another email address, or yours is not verified",
              });
            }
            const current = yield* RequestTenant.membershipRole(userId);
            if (current !== undefined) return yield* new Conflict({ message: "you are already a member" });
            const [joined] = yield* TenantTx.use((db) =>
              db
                .insert(member)
                .values({ userId, role: found.role, email: self.email, name: self.name })
                .returning(profile),
            );
            yield* TenantTx.use((db) =>
              db.update(invitation).set({ status: "accepted" }).where(eq(invitation.id, found.id)),
            );
            if (joined === undefined) return yield* Effect.die("insert returned no row");
            yield* AuditLog.record(userId, {
              action: "invitation.accepted",
              entityType: INVITATION,
              entityId: found.id,
            });
            return joined;
          }),
        );
      }),
    ),
);
