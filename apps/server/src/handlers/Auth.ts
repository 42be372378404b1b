import { IamTables } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { TenantTx } from "@beep/shared-server";
import { SharedTables } from "@beep/shared-tables";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { Forbidden, NotFound } from "../ApiErrors.ts";
import * as AuditLog from "../AuditLog.ts";
import { CurrentSession } from "../CurrentSession.ts";
import * as RequestTenant from "../RequestTenant.ts";
import { type Subject, Tokens } from "../Token.ts";

const { member } = IamTables;
const { organization, user } = SharedTables;

const issueFor = (subject: Subject) =>
  Effect.flatMap(Tokens, (tokens) => tokens.issue(subject)).pipe(
    Effect.map(({ token, expiresAt }) => ({ token, expiresAt, ...subject })),
  );

export const SignupLive = HttpApiBuilder.group(Api, "signup", (handlers) =>
  handlers.handle("signup", ({ payload }) =>
    Effect.gen(function* () {
      const organizationId = SharedEntityIds.OrganizationId.create();
      const userId = SharedEntityIds.UserId.create();
      // One transaction in the new organization, as the new user: all of it exists, or none of it does. An email
      // already used elsewhere signs up like any other, so the answer never tells whether it is registered.
      // The new organization's owner: the role its first membership is created as.
      yield* RequestTenant.inContext({ organizationId, userId, role: "owner" })(
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
      const userId = session.userId;
      if (userId === undefined) return yield* new Forbidden({ message: "an API key cannot exchange tokens" });
      // The presented token must still be good: its user is a member of its organization.
      yield* RequestTenant.run(Effect.void);
      const target = payload.organizationId;
      const role = yield* RequestTenant.inOrganization(target, userId)(RequestTenant.membershipRole(userId));
      // Not a member and no such organization look the same.
      if (role === undefined) return yield* new NotFound({ message: "organization not found" });
      return yield* issueFor({ userId, organizationId: target });
    }),
  ),
);
