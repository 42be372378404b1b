import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Redacted } from "effect";
import * as Token from "../src/Token.ts";
import { adminQuery, call, signup, type Tenant } from "./support/Client.ts";
import { AUTH_SECRET, layer, layerOnCitus } from "./support/TestServer.ts";

/** A token of `user` naming `organizationId` (HS256, as a team minting its own tokens would). */
const tokenFor = (user: Tenant, organizationId: string) =>
  Effect.flatMap(Token.make(Redacted.make(AUTH_SECRET)), (tokens) =>
    tokens.issue({ userId: user.userId, organizationId } as Parameters<typeof tokens.issue>[0]),
  ).pipe(Effect.map((issued) => issued.token));

const emailOf = (user: Tenant) =>
  Effect.map(adminQuery<{ email: string }>("select email from shared_user where id = $1", [user.userId]), (rows) =>
    String(rows[0]?.email),
  );

/** What an identity provider vouches for; HS256 signups are unverified. */
const verify = (user: Tenant) =>
  adminQuery("update shared_user set email_verified = true where id = $1", [user.userId]);

/** `owner` invites `guest` to the owner's organization as `role`; the guest accepts. Returns the guest's token there. */
const join = (owner: Tenant, guest: Tenant, role: string) =>
  Effect.gen(function* () {
    const invited = yield* call("POST", "/v1/invitations", {
      token: owner.token,
      body: { email: yield* emailOf(guest), role },
    });
    assert.strictEqual(invited.status, 201, JSON.stringify(invited.body));
    const token = yield* tokenFor(guest, owner.organizationId);
    const accepted = yield* call("POST", `/v1/invitations/${invited.body.id}/accept`, { token });
    assert.strictEqual(accepted.status, 201, JSON.stringify(accepted.body));
    return { token, memberId: accepted.body.id as string, invitationId: invited.body.id as string };
  });

const suite = (server: typeof layer) =>
  it.layer(server)((it) => {
    it.effect("an invitation is accepted once, by its verified invitee only, before it expires", () =>
      Effect.gen(function* () {
        const owner = yield* signup("Inviting");
        const guest = yield* signup("Guest");
        const intruder = yield* signup("Intruder");
        const email = yield* emailOf(guest);
        const invited = yield* call("POST", "/v1/invitations", { token: owner.token, body: { email, role: "admin" } });
        assert.strictEqual(invited.status, 201);
        const again = yield* call("POST", "/v1/invitations", { token: owner.token, body: { email, role: "member" } });
        assert.deepStrictEqual([again.status, again.body._tag], [409, "Conflict"]);
        const listed = yield* call("GET", "/v1/invitations", { token: owner.token });
        assert.deepStrictEqual(
          listed.body.items.map((i: { email: string; status: string }) => [i.email, i.status]),
          [[email, "pending"]],
        );

        const accept = `/v1/invitations/${invited.body.id}/accept`;
        // Unverified: refused. Someone else's verified email: refused.
        const unverified = yield* call("POST", accept, { token: yield* tokenFor(guest, owner.organizationId) });
        assert.deepStrictEqual([unverified.status, unverified.body._tag], [403, "Forbidden"]);
        yield* verify(intruder);
        const stolen = yield* call("POST", accept, { token: yield* tokenFor(intruder, owner.organizationId) });
        assert.deepStrictEqual([stolen.status, stolen.body._tag], [403, "Forbidden"]);
        // Named in the wrong organization: the invitation is not there.
        yield* verify(guest);
        const elsewhere = yield* call("POST", accept, { token: guest.token });
        assert.strictEqual(elsewhere.status, 404);

        const token = yield* tokenFor(guest, owner.organizationId);
        const before = yield* call("GET", "/v1/documents", { token });
        assert.strictEqual(before.status, 401);
        const accepted = yield* call("POST", accept, { token });
        assert.deepStrictEqual(
          [accepted.status, accepted.body.role, accepted.body.userId],
          [201, "admin", guest.userId],
        );
        const twice = yield* call("POST", accept, { token });
        assert.deepStrictEqual([twice.status, twice.body._tag], [409, "Conflict"]);
        assert.strictEqual((yield* call("GET", "/v1/documents", { token })).status, 200);
        const reinvite = yield* call("POST", "/v1/invitations", {
          token: owner.token,
          body: { email, role: "member" },
        });
        assert.deepStrictEqual([reinvite.status, reinvite.body.message], [409, `${email} is already a member`]);

        // An expired invitation cannot be accepted.
        const late = yield* signup("Late");
        const lateEmail = yield* emailOf(late);
        yield* verify(late);
        const lateInvite = yield* call("POST", "/v1/invitations", {
          token: owner.token,
          body: { email: lateEmail, role: "member" },
        });
        yield* adminQuery("update iam_invitation set expires_at = now() - interval '1 minute' where id = $1", [
          lateInvite.body.id,
        ]);
        const expired = yield* call("POST", `/v1/invitations/${lateInvite.body.id}/accept`, {
          token: yield* tokenFor(late, owner.organizationId),
        });
        assert.deepStrictEqual([expired.status, expired.body.message], [409, "the invitation is expired"]);
      }),
    );

    it.effect("/me lists the user's organizations with roles; POST /organizations makes the caller its owner", () =>
      Effect.gen(function* () {
        const owner = yield* signup("Home");
        const guest = yield* signup("Visitor");
        yield* verify(guest);
        yield* join(owner, guest, "member");
        const created = yield* call("POST", "/v1/organizations", {
          token: guest.token,
          body: { name: "Side project" },
        });
        assert.strictEqual(created.status, 201);
        const me = yield* call("GET", "/v1/me", { token: guest.token });
        assert.strictEqual(me.status, 200);
        assert.strictEqual(me.body.user.id, guest.userId);
        assert.deepStrictEqual(
          me.body.organizations.map((o: { id: string; name: string; role: string }) => [o.id, o.name, o.role]).sort(),
          [
            [guest.organizationId, "Visitor", "owner"],
            [owner.organizationId, "Home", "member"],
            [created.body.id, "Side project", "owner"],
          ].sort(),
        );
        // The owner's /me shows nothing of the guest's organizations.
        const ownerMe = yield* call("GET", "/v1/me", { token: owner.token });
        assert.deepStrictEqual(
          ownerMe.body.organizations.map((o: { id: string }) => o.id),
          [owner.organizationId],
        );
      }),
    );

    it.effect("roles hold over HTTP: 403 for what a role may not change, 404 for what it cannot see", () =>
      Effect.gen(function* () {
        const owner = yield* signup("Roles");
        const stranger = yield* signup("Stranger");
        const memberUser = yield* signup("Plain");
        const adminUser = yield* signup("Manager");
        yield* verify(memberUser);
        yield* verify(adminUser);
        const asMember = yield* join(owner, memberUser, "member");
        const asAdmin = yield* join(owner, adminUser, "admin");
        const ownerDoc = (yield* call("POST", "/v1/documents", { token: owner.token, body: { title: "owner's" } }))
          .body;
        const memberDoc = (yield* call("POST", "/v1/documents", { token: asMember.token, body: { title: "mine" } }))
          .body;

        // A member reads everything, changes and deletes only their own.
        assert.strictEqual((yield* call("GET", `/v1/documents/${ownerDoc.id}`, { token: asMember.token })).status, 200);
        const patch = yield* call("PATCH", `/v1/documents/${ownerDoc.id}`, {
          token: asMember.token,
          body: { title: "hijacked" },
        });
        assert.deepStrictEqual([patch.status, patch.body._tag], [403, "Forbidden"]);
        const del = yield* call("DELETE", `/v1/documents/${ownerDoc.id}`, { token: asMember.token });
        assert.deepStrictEqual([del.status, del.body._tag], [403, "Forbidden"]);
        const own = yield* call("PATCH", `/v1/documents/${memberDoc.id}`, {
          token: asMember.token,
          body: { title: "mine, edited" },
        });
        assert.strictEqual(own.status, 200);
        // Members manage nobody.
        const invite = yield* call("POST", "/v1/invitations", {
          token: asMember.token,
          body: { email: "x@roles.example", role: "admin" },
        });
        assert.deepStrictEqual([invite.status, invite.body._tag], [403, "Forbidden"]);
        assert.strictEqual((yield* call("GET", "/v1/invitations", { token: asMember.token })).status, 403);
        const promote = yield* call("PATCH", `/v1/members/${asMember.memberId}`, {
          token: asMember.token,
          body: { role: "admin" },
        });
        assert.strictEqual(promote.status, 403);
        // Another organization's document is not found, whatever the role.
        const foreign = (yield* call("POST", "/v1/documents", { token: stranger.token, body: { title: "theirs" } }))
          .body;
        assert.strictEqual(
          (yield* call("DELETE", `/v1/documents/${foreign.id}`, { token: asAdmin.token })).status,
          404,
        );

        // Admins delete any document and manage members and admins, never owners.
        assert.strictEqual(
          (yield* call("DELETE", `/v1/documents/${ownerDoc.id}`, { token: asAdmin.token })).status,
          204,
        );
        const members = (yield* call("GET", "/v1/members", { token: asAdmin.token })).body.items as Array<{
          id: string;
          role: string;
        }>;
        const ownerMember = members.find((m) => m.role === "owner");
        assert.isDefined(ownerMember);
        const demoteOwner = yield* call("PATCH", `/v1/members/${ownerMember?.id}`, {
          token: asAdmin.token,
          body: { role: "member" },
        });
        assert.deepStrictEqual([demoteOwner.status, demoteOwner.body._tag], [403, "Forbidden"]);
        const makeOwner = yield* call("PATCH", `/v1/members/${asMember.memberId}`, {
          token: asAdmin.token,
          body: { role: "owner" },
        });
        assert.strictEqual(makeOwner.status, 403);
        const ownerInvite = yield* call("POST", "/v1/invitations", {
          token: asAdmin.token,
          body: { email: "boss@roles.example", role: "owner" },
        });
        assert.strictEqual(ownerInvite.status, 403);
        const promoted = yield* call("PATCH", `/v1/members/${asMember.memberId}`, {
          token: asAdmin.token,
          body: { role: "admin" },
        });
        assert.deepStrictEqual([promoted.status, promoted.body.role], [200, "admin"]);

        // The last owner stays; a removed member's next request is refused.
        const lastOwner = yield* call("PATCH", `/v1/members/${ownerMember?.id}`, {
          token: owner.token,
          body: { role: "admin" },
        });
        assert.deepStrictEqual(
          [lastOwner.status, lastOwner.body.message],
          [409, "the last owner cannot be removed or demoted"],
        );
        assert.strictEqual(
          (yield* call("DELETE", `/v1/members/${ownerMember?.id}`, { token: owner.token })).status,
          409,
        );
        assert.strictEqual(
          (yield* call("DELETE", `/v1/members/${asMember.memberId}`, { token: owner.token })).status,
          204,
        );
        assert.strictEqual((yield* call("GET", "/v1/documents", { token: asMember.token })).status, 401);
        // Owners manage owners: a second owner, then the first may step down.
        const second = yield* call("PATCH", `/v1/members/${asAdmin.memberId}`, {
          token: owner.token,
          body: { role: "owner" },
        });
        assert.strictEqual(second.status, 200);
        const stepDown = yield* call("PATCH", `/v1/members/${ownerMember?.id}`, {
          token: owner.token,
          body: { role: "member" },
        });
        assert.deepStrictEqual([stepDown.status, stepDown.body.role], [200, "member"]);
      }),
    );

    it.effect("revoking: admins revoke a pending invitation, which then cannot be accepted", () =>
      Effect.gen(function* () {
        const owner = yield* signup("Revoking");
        const guest = yield* signup("Revoked");
        yield* verify(guest);
        const email = yield* emailOf(guest);
        const invited = yield* call("POST", "/v1/invitations", { token: owner.token, body: { email, role: "member" } });
        assert.strictEqual(
          (yield* call("DELETE", `/v1/invitations/${invited.body.id}`, { token: owner.token })).status,
          204,
        );
        const again = yield* call("DELETE", `/v1/invitations/${invited.body.id}`, { token: owner.token });
        assert.deepStrictEqual([again.status, again.body.message], [409, "the invitation is revoked"]);
        const accepted = yield* call("POST", `/v1/invitations/${invited.body.id}/accept`, {
          token: yield* tokenFor(guest, owner.organizationId),
        });
        assert.strictEqual(accepted.status, 409);
        // Invited again, the same address gets a pending invitation back.
        const renewed = yield* call("POST", "/v1/invitations", { token: owner.token, body: { email, role: "member" } });
        assert.deepStrictEqual([renewed.status, renewed.body.status], [201, "pending"]);
      }),
    );
  });

describe("accounts, invitations and members", () => suite(layer));

Testkit.describeWithCitus("accounts, invitations and members, on a Citus cluster", (citus) =>
  suite(layerOnCitus(citus)),
);
