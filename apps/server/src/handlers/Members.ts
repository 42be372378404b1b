import { IamEntityIds, IamTables } from "@beep/iam-tables";
import { TenantTx } from "@beep/shared-server";
import type { TenantRole } from "@beep/shared-tables";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import { and, asc, eq, gt } from "drizzle-orm";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { Conflict, notFound } from "../ApiErrors.ts";
import * as AuditLog from "../AuditLog.ts";
import * as Pagination from "../Pagination.ts";
import * as RequestTenant from "../RequestTenant.ts";

const { member } = IamTables;
const MEMBER = IamEntityIds.MemberId.tableName;

/** Each member's profile in this organization (the API's `Member`): a user's global row is theirs alone. */
export const profile = {
  id: member.id,
  userId: member.userId,
  email: member.email,
  name: member.name,
  role: member.role,
  createdAt: member.createdAt,
};

const findMember = (id: IamEntityIds.MemberId) =>
  TenantTx.use((db) => db.select(profile).from(member).where(eq(member.id, id)).limit(1)).pipe(
    Effect.flatMap((rows) => (rows[0] === undefined ? Effect.fail(notFound("member")) : Effect.succeed(rows[0]))),
  );

/** Admins manage members and admins; anything touching an owner (as it is, or as it would become) needs an owner. */
const mayManage = (current: TenantRole.Role, next: TenantRole.Role | undefined, what: string) =>
  RequestTenant.requireRole(current === "owner" || next === "owner" ? "owner" : "admin", what);

/**
 * Refuses to leave the organization without an owner. The owners' rows are locked, so two owners demoting or
 * removing each other at once cannot both pass: the second waits, then counts what the first left.
 */
const keepAnOwner = Effect.flatMap(TenantTx.TenantTx, (tx) =>
  TenantTx.use((db) =>
    db
      .select({ id: member.id })
      .from(member)
      .where(and(eq(member.organizationId, tx.organizationId), eq(member.role, "owner")))
      .for("update"),
  ),
).pipe(
  Effect.filterOrFail(
    (owners) => owners.length > 1,
    () => new Conflict({ message: "the last owner cannot be removed or demoted" }),
  ),
);

const listMembers = Pagination.listing((db, after) =>
  db
    .select(profile)
    .from(member)
    .where(after && gt(member.id, after))
    .orderBy(asc(member.id))
    .limit(Pagination.LIMIT),
);

export const MembersLive = HttpApiBuilder.group(Api, "members", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) => RequestTenant.run(listMembers.last(urlParams)))
    .handle("update", ({ path, payload }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          const target = yield* findMember(path.id);
          yield* mayManage(target.role, payload.role, "change this member's role");
          if (target.role === payload.role) return target;
          if (target.role === "owner") yield* keepAnOwner;
          const [updated] = yield* TenantTx.use((db) =>
            db.update(member).set({ role: payload.role }).where(eq(member.id, path.id)).returning(profile),
          );
          if (updated === undefined)
            return yield* RequestTenant.refusedOrMissing(findMember(path.id), "change this member");
          yield* AuditLog.recordForSession({ action: "member.role_changed", entityType: MEMBER, entityId: updated.id });
          return updated;
        }),
      ),
    )
    .handle("remove", ({ path }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          const target = yield* findMember(path.id);
          yield* mayManage(target.role, undefined, "remove this member");
          if (target.role === "owner") yield* keepAnOwner;
          const [removed] = yield* TenantTx.use((db) =>
            db.delete(member).where(eq(member.id, path.id)).returning({ id: member.id }),
          );
          if (removed === undefined)
            return yield* RequestTenant.refusedOrMissing(findMember(path.id), "remove this member");
          yield* AuditLog.recordForSession({ action: "member.removed", entityType: MEMBER, entityId: removed.id });
        }),
      ),
    ),
);
