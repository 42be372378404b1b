import { IamTables } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { TenantTx, UserTx } from "@beep/shared-server";
import { SharedTables } from "@beep/shared-tables";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import { asc, eq } from "drizzle-orm";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { Unauthorized } from "../ApiErrors.ts";
import * as AuditLog from "../AuditLog.ts";
import * as RequestTenant from "../RequestTenant.ts";

const { member } = IamTables;
const { organization, user } = SharedTables;

/** How many organizations `/me` lists (by membership age); a person in more sees the oldest ones. */
export const ME_ORGANIZATIONS_LIMIT = 100;

/** The caller's own row, in their own context: it exists once they signed up or signed in. */
const ownUser = (userId: SharedEntityIds.UserId) =>
  UserTx.use((db) => db.select().from(user).where(eq(user.id, userId)).limit(1)).pipe(
    Effect.flatMap((rows) =>
      rows[0] === undefined ? Effect.fail(new Unauthorized({ message: "unknown user" })) : Effect.succeed(rows[0]),
    ),
  );

export const AccountLive = HttpApiBuilder.group(Api, "account", (handlers) =>
  handlers
    .handle("me", () =>
      Effect.gen(function* () {
        const userId = yield* RequestTenant.person;
        // The user's context names no organization: their own row and their memberships, nothing of any tenant.
        const { self, memberships } = yield* RequestTenant.asUser(userId)(
          Effect.all({
            self: ownUser(userId),
            memberships: UserTx.use((db) =>
              db
                .select({ id: member.id, organizationId: member.organizationId, role: member.role })
                .from(member)
                .orderBy(asc(member.id))
                .limit(ME_ORGANIZATIONS_LIMIT),
            ),
          }),
        );
        // An organization's name is its own to show: read in each organization's context, one round trip each.
        const organizations = yield* Effect.forEach(
          memberships,
          (membership) =>
            RequestTenant.queryIn({ organizationId: membership.organizationId, userId })((db) =>
              db.select({ name: organization.name }).from(organization).limit(1),
            ).pipe(
              Effect.map((rows) => ({
                id: membership.organizationId,
                name: rows[0]?.name ?? "",
                role: membership.role,
                memberId: membership.id,
              })),
            ),
          { concurrency: 4 },
        );
        return {
          user: { id: self.id, email: self.email, emailVerified: self.emailVerified, name: self.name },
          organizations,
        };
      }),
    )
    .handle("createOrganization", ({ payload }) =>
      Effect.gen(function* () {
        const userId = yield* RequestTenant.person;
        const self = yield* RequestTenant.asUser(userId)(ownUser(userId));
        const organizationId = SharedEntityIds.OrganizationId.create();
        // One transaction in the new organization as its owner: the organization and the membership, or nothing.
        return yield* RequestTenant.inContext({ organizationId, userId, role: "owner" })(
          Effect.gen(function* () {
            const [created] = yield* TenantTx.use((db) =>
              db.insert(organization).values({ id: organizationId, name: payload.name }).returning(),
            );
            yield* TenantTx.use((db) =>
              db.insert(member).values({ userId, role: "owner", email: self.email, name: self.name }),
            );
            yield* AuditLog.record(userId, {
              action: "organization.created",
              entityType: SharedEntityIds.OrganizationId.tableName,
              entityId: organizationId,
            });
            if (created === undefined) return yield* Effect.die("insert returned no row");
            return { id: created.id, name: created.name, createdAt: created.createdAt };
          }),
        );
      }),
    ),
);
