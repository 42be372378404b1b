import { IamEntityIds } from "@beep/iam-tables";
import { member } from "@beep/iam-tables/schema";
import { SharedEntityIds } from "@beep/shared-domain";
import { SharedTables } from "@beep/shared-tables";
import { Data, Effect, Either, ParseResult, Schema } from "effect";
import * as TenantDb from "../../src/TenantDb.ts";
import * as TenantTx from "../../src/TenantTx.ts";

const NonBlank = Schema.Trim.pipe(Schema.nonEmptyString(), Schema.maxLength(200));
const Email = Schema.Trim.pipe(
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "expected an email address" }),
  Schema.maxLength(320),
);

export const CreateInput = Schema.Struct({
  name: NonBlank,
  owner: Schema.Struct({ email: Email, name: NonBlank }),
});
export type CreateInput = Schema.Schema.Encoded<typeof CreateInput>;

export interface Created {
  readonly organizationId: SharedEntityIds.OrganizationId;
  readonly ownerId: SharedEntityIds.UserId;
  readonly membershipId: IamEntityIds.MemberId;
}

/** The input to `create` was malformed; nothing was written. */
export class InvalidOrganizationInput extends Data.TaggedError("InvalidOrganizationInput")<{
  readonly reason: string;
}> {
  override get message() {
    return `invalid organization: ${this.reason}`;
  }
}

const decode = Schema.decodeUnknownEither(CreateInput);

/**
 * A new organization with its owner, through tenant context alone: the context is set to the new ids,
 * then the organization, the owner (anyone may sign up) and the owner membership are inserted in one
 * transaction. No role that bypasses row-level security is involved.
 */
export const create = (
  input: CreateInput,
): Effect.Effect<Created, InvalidOrganizationInput | TenantDb.WithOrgError, TenantDb.TenantDb> =>
  Effect.gen(function* () {
    const valid = yield* Either.match(decode(input), {
      onLeft: (error) =>
        Effect.fail(new InvalidOrganizationInput({ reason: ParseResult.TreeFormatter.formatErrorSync(error) })),
      onRight: Effect.succeed,
    });
    const created: Created = {
      organizationId: SharedEntityIds.OrganizationId.create(),
      ownerId: SharedEntityIds.UserId.create(),
      membershipId: IamEntityIds.MemberId.create(),
    };
    // The context names the new user too: only a user creates their own row and their own membership. Its role is
    // the one the membership gives: only an owner adds the first member.
    yield* TenantDb.withContext({ organizationId: created.organizationId, userId: created.ownerId, role: "owner" })(
      // One round trip: the three inserts are pipelined behind BEGIN and the context.
      TenantTx.use((db) =>
        Promise.all([
          db.insert(SharedTables.organization).values({ id: created.organizationId, name: valid.name }),
          db
            .insert(SharedTables.user)
            .values({ id: created.ownerId, email: valid.owner.email, name: valid.owner.name }),
          db.insert(member).values({
            id: created.membershipId,
            userId: created.ownerId,
            role: "owner",
            email: valid.owner.email,
            name: valid.owner.name,
          }),
        ]),
      ),
    );
    return created;
  });
