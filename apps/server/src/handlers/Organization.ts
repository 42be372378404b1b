import { IamTables } from "@beep/iam-tables";
import { IamEntityIds } from "@beep/shared-domain";
import { TenantTx } from "@beep/shared-server";
import { SharedTables } from "@beep/shared-tables";
import { HttpApiBuilder } from "@effect/platform";
import { asc, gt } from "drizzle-orm";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { Conflict } from "../ApiErrors.ts";
import * as AuditLog from "../AuditLog.ts";
import { CurrentSession } from "../CurrentSession.ts";
import * as Pagination from "../Pagination.ts";
import * as RequestTenant from "../RequestTenant.ts";

const { member, invitation } = IamTables;
const { organization } = SharedTables;

/** Invitations are valid for a week. */
const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export const OrganizationLive = HttpApiBuilder.group(Api, "organization", (handlers) =>
  handlers
    .handle("get", () =>
      RequestTenant.run(
        TenantTx.use((db) => db.select().from(organization).limit(1)).pipe(
          // RLS shows exactly one row: the caller's own organization, whose membership was just checked.
          Effect.flatMap((rows) =>
            rows[0] === undefined ? Effect.die("organization row not visible") : Effect.succeed(rows[0]),
          ),
        ),
      ),
    )
    .handle("members", ({ urlParams }) =>
      RequestTenant.run(
        TenantTx.use((db) =>
          db
            // Each member's profile in this organization: a user's global row is theirs alone.
            .select({
              id: member.id,
              userId: member.userId,
              email: member.email,
              name: member.name,
              role: member.role,
              createdAt: member.createdAt,
            })
            .from(member)
            .where(urlParams.cursor === undefined ? undefined : gt(member.id, urlParams.cursor))
            .orderBy(asc(member.id))
            .limit(urlParams.limit + 1),
        ).pipe(Effect.map((rows) => Pagination.fromRows(rows, urlParams.limit))),
      ),
    )
    .handle("invite", ({ payload }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          const session = yield* CurrentSession;
          const [created] = yield* TenantTx.use((db) =>
            db
              .insert(invitation)
              .values({
                email: payload.email,
                role: payload.role,
                invitedBy: session.userId,
                expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
              })
              .returning(),
          ).pipe(
            Effect.catchTag("UniqueViolation", () =>
              Effect.fail(new Conflict({ message: `${payload.email} is already invited` })),
            ),
          );
          if (created === undefined) return yield* Effect.die("insert returned no row");
          yield* AuditLog.recordForSession({
            action: "invitation.created",
            entityType: IamEntityIds.InvitationId.tableName,
            entityId: created.id,
          });
          return created;
        }),
      ),
    ),
);
