import { IamTables } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { TenantTx } from "@beep/shared-server";
import { SharedTables } from "@beep/shared-tables";
import { HttpApiBuilder } from "@effect/platform";
import { eq } from "drizzle-orm";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { NotFound } from "../ApiErrors.ts";
import * as AuditLog from "../AuditLog.ts";
import { CurrentSession, type Session } from "../CurrentSession.ts";
import * as RequestTenant from "../RequestTenant.ts";
import { Tokens } from "../Token.ts";

const { member } = IamTables;
const { organization, user } = SharedTables;

const issueFor = (session: Session) =>
  Effect.flatMap(Tokens, (tokens) => tokens.issue(session)).pipe(
    Effect.map(({ token, expiresAt }) => ({ token, expiresAt, ...session })),
  );

export const SignupLive = HttpApiBuilder.group(Api, "signup", (handlers) =>
  handlers.handle("signup", ({ payload }) =>
    Effect.gen(function* () {
      const organizationId = SharedEntityIds.OrganizationId.create();
      const userId = SharedEntityIds.UserId.create();
      // One transaction in the new organization, as the new user: all of it exists, or none of it does. An email
      // already used elsewhere signs up like any other, so the answer never tells whether it is registered.
      yield* RequestTenant.inOrganization(
        organizationId,
        userId,
      )(
        Effect.gen(function* () {
          yield* TenantTx.use((db) =>
            db.insert(organization).values({ id: organizationId, name: payload.organizationName }),
          );
          yield* TenantTx.use((db) => db.insert(user).values({ id: userId, email: payload.email, name: payload.name }));
          yield* TenantTx.use((db) =>
            db.insert(member).values({ userId, role: "owner", email: payload.email, name: payload.name }),
          );
          yield* AuditLog.record(userId, {
            action: "organization.created",
            entityType: SharedEntityIds.OrganizationId.tableName,
            entityId: organizationId,
          });
        }),
      );
      return yield* issueFor({ userId, organizationId });
    }),
  ),
);

export const TokensLive = HttpApiBuilder.group(Api, "tokens", (handlers) =>
  handlers.handle("exchange", ({ payload }) =>
    Effect.gen(function* () {
      const session = yield* CurrentSession;
      // The presented token must still be good: its user is a member of its organization.
      yield* RequestTenant.run(Effect.void);
      const target = payload.organizationId;
      const rows = yield* RequestTenant.inOrganization(
        target,
        session.userId,
      )(
        TenantTx.use((db) =>
          db.select({ id: member.id }).from(member).where(eq(member.userId, session.userId)).limit(1),
        ),
      );
      // Not a member and no such organization look the same.
      if (rows.length === 0) return yield* new NotFound({ message: "organization not found" });
      return yield* issueFor({ userId: session.userId, organizationId: target });
    }),
  ),
);
