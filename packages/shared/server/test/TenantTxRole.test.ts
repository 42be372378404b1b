import { enterWithTicket, MigratedDatabase } from "@beep/db-admin/testing";
import { document } from "@beep/documents-tables/schema";
import { ContextTicket, TenantRole } from "@beep/shared-tables";
import { EmbeddedPostgres } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { sql } from "drizzle-orm";
import { Effect, Layer } from "effect";
import * as Db from "../src/Db.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantQuery from "../src/TenantQuery.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { rawClient } from "./internal/Attack.ts";
import { runtime } from "./internal/layers.ts";
import * as Organizations from "./internal/Organizations.ts";
import { asOwner } from "./internal/Tenant.ts";

const owner = (tag: string) => ({ email: `${tag}-${Math.random().toString(36).slice(2)}@example.com`, name: tag });

/** What SQL sees of the context, and what the unit of work says its role is. */
const roles = Effect.all({
  sql: TenantTx.use((db) => db.execute(sql`select beep.current_role() as role`)).pipe(
    Effect.map((rows) => (rows[0]?.role ?? null) as string | null),
  ),
  tx: Effect.map(TenantTx.TenantTx, (tx) => tx.role),
});

const txid = TenantTx.use((db) => db.execute(sql`select txid_current()::text as id`)).pipe(
  Effect.map((rows) => String(rows[0]?.id)),
);

const INVITATION = "iam_invitation__01a23600-0000-7000-8000-000000000001";

describe("TenantTx.asRole", () => {
  it.layer(runtime())((it) => {
    it.effect(
      "the role is visible to SQL as beep.current_role(), and asRole re-signs it for the rest of the unit",
      () =>
        Effect.gen(function* () {
          const { organizationId, ownerId } = yield* Organizations.create({ name: "Roles", owner: owner("roles") });
          const seen = yield* TenantDb.withContext({ organizationId, userId: ownerId, role: "member" })(
            Effect.gen(function* () {
              const before = yield* roles;
              const inside = yield* TenantTx.asRole("admin")(roles);
              const invitee = yield* TenantTx.asRole(TenantRole.invitee(INVITATION))(roles);
              // The new ticket holds until the transaction ends, past the effect it was given to.
              const after = yield* TenantTx.use((db) => db.execute(sql`select beep.current_role() as role`));
              return { before, inside, invitee, after: after[0]?.role, org: yield* TenantTx.currentTenant };
            }),
          );
          assert.deepStrictEqual(seen, {
            before: { sql: "member", tx: "member" },
            inside: { sql: "admin", tx: "admin" },
            invitee: { sql: TenantRole.invitee(INVITATION), tx: TenantRole.invitee(INVITATION) },
            after: TenantRole.invitee(INVITATION),
            org: organizationId,
          });
          // Without a role, nothing of a table with per-role grants; as its owner, the organization's rows.
          yield* asOwner(organizationId)(TenantQuery.insert(document, { title: "role-visible" }));
          const none = yield* TenantDb.withOrg(organizationId)(Effect.all([roles, TenantQuery.select(document)]));
          assert.deepStrictEqual(none[0], { sql: null, tx: undefined });
          assert.deepStrictEqual(none[1], []);
          const asMember = yield* TenantDb.withContext({ organizationId, role: "member" })(
            TenantQuery.select(document),
          );
          assert.deepStrictEqual(
            asMember.map((row) => row.title),
            ["role-visible"],
          );
        }),
    );

    it.effect("an invalid role is refused before SQL, by withContext and by asRole", () =>
      Effect.gen(function* () {
        const { organizationId } = yield* Organizations.create({ name: "BadRole", owner: owner("bad") });
        const invalid = ["", "Owner", "superuser", "owner:admin", "owner'", `invitee.${INVITATION}:owner`, "invitee.x"];
        for (const role of invalid) {
          const error = yield* Effect.flip(TenantDb.withContext({ organizationId, role })(roles));
          assert.strictEqual(error._tag, "TenantAccessDenied", role);
        }
        // Inside a unit of work: refused, and the transaction goes on as it was (no statement reached it).
        const outcome = yield* TenantDb.withContext({ organizationId, role: "member" })(
          Effect.gen(function* () {
            const errors = yield* Effect.forEach(invalid, (role) =>
              Effect.flip(TenantTx.asRole(role)(roles)).pipe(Effect.map((error) => error._tag)),
            );
            return { errors: errors as ReadonlyArray<string>, still: yield* roles };
          }),
        );
        assert.deepStrictEqual(outcome, {
          errors: invalid.map((): string => "TenantAccessDenied"),
          still: { sql: "member", tx: "member" },
        });
      }),
    );

    it.effect("a bad role never reaches the network: a pool pointing nowhere still says TenantAccessDenied", () =>
      Effect.gen(function* () {
        const port = yield* Effect.promise(() => EmbeddedPostgres.freePort());
        const nowhere = TenantDb.layerWithKey("a-key-for-a-server-that-is-not-there").pipe(
          Layer.provideMerge(
            Db.layerFromUrl(`postgres://beep_app:x@127.0.0.1:${port}/none`, { connectTimeoutSeconds: 2 }),
          ),
        );
        const organizationId = (yield* Organizations.create({ name: "Nowhere", owner: owner("nw") })).organizationId;
        const refused = yield* Effect.flip(TenantDb.withContext({ organizationId, role: "root" })(Effect.void)).pipe(
          Effect.provide(nowhere),
        );
        assert.strictEqual(refused._tag, "TenantAccessDenied");
        const reached = yield* Effect.flip(TenantDb.withContext({ organizationId, role: "owner" })(Effect.void)).pipe(
          Effect.provide(nowhere),
        );
        assert.strictEqual(reached._tag, "DatabaseUnavailable");
      }),
    );

    it.effect("a hand-forged ticket's role gives NULL: edited, signed with another key, or expired", () =>
      Effect.gen(function* () {
        const { appUrl, contextKey } = yield* MigratedDatabase;
        const { organizationId, ownerId } = yield* Organizations.create({ name: "Forged", owner: owner("forged") });
        const member = ContextTicket.signer(contextKey)({ organizationId, userId: ownerId, role: "member" });
        const tickets: ReadonlyArray<readonly [string, string]> = [
          ["a member's ticket edited to owner", member.replace(":member:", ":owner:")],
          [
            "signed with another key",
            ContextTicket.signer("not-the-key-the-database-holds-0123456789abcdef")({
              organizationId,
              userId: ownerId,
              role: "owner",
            }),
          ],
          [
            "expired",
            ContextTicket.signer(contextKey)({ organizationId, userId: ownerId, role: "owner" }, Date.now() - 120_000),
          ],
          ["the role field alone", `v1:${organizationId}:${ownerId}:owner`],
        ];
        const raw = yield* rawClient(appUrl);
        const seen = yield* Effect.promise(async () => {
          const out: Record<string, unknown> = {};
          for (const [name, ticket] of [["the ticket as signed", member] as const, ...tickets]) {
            out[name] = await raw.begin(async (tx) => {
              await enterWithTicket(tx, ticket);
              const [row] = await tx`select beep.current_role() as role, beep.current_org_id() as org,
                (select count(*)::int from documents_document) as documents`;
              return { ...row };
            });
          }
          return out;
        });
        assert.deepStrictEqual(seen, {
          "the ticket as signed": { role: "member", org: organizationId, documents: 0 },
          ...Object.fromEntries(tickets.map(([name]) => [name, { role: null, org: null, documents: 0 }])),
        });
      }).pipe(Effect.scoped),
    );

    it.effect("a nested unit of work joins the outer one only for the same organization, user and role", () =>
      Effect.gen(function* () {
        const { organizationId, ownerId } = yield* Organizations.create({ name: "Join", owner: owner("join") });
        const scope = { organizationId, userId: ownerId };
        const nested = yield* TenantDb.withContext({ ...scope, role: "owner" })(
          Effect.gen(function* () {
            const outer = yield* txid;
            const same = yield* TenantDb.withContext({ ...scope, role: "owner" })(Effect.all([txid, roles]));
            const weaker = yield* TenantDb.withContext({ ...scope, role: "member" })(Effect.all([txid, roles]));
            const none = yield* TenantDb.withContext(scope)(Effect.all([txid, roles]));
            // After asRole the unit carries the new role: a nested unit for that role joins it.
            const joined = yield* TenantTx.asRole("admin")(
              TenantDb.withContext({ ...scope, role: "admin" })(Effect.all([txid, roles])),
            );
            // The transaction acts as admin from then on: asking for the owner again opens a unit of its own.
            const afterwards = yield* TenantDb.withContext({ ...scope, role: "owner" })(Effect.all([txid, roles]));
            return { outer, same, weaker, none, joined, afterwards };
          }),
        );
        assert.strictEqual(nested.same[0], nested.outer);
        assert.deepStrictEqual(nested.same[1], { sql: "owner", tx: "owner" });
        assert.notStrictEqual(nested.weaker[0], nested.outer);
        assert.deepStrictEqual(nested.weaker[1], { sql: "member", tx: "member" });
        assert.notStrictEqual(nested.none[0], nested.outer);
        assert.deepStrictEqual(nested.none[1], { sql: null, tx: undefined });
        assert.strictEqual(nested.joined[0], nested.outer);
        assert.deepStrictEqual(nested.joined[1], { sql: "admin", tx: "admin" });
        assert.notStrictEqual(nested.afterwards[0], nested.outer);
        assert.deepStrictEqual(nested.afterwards[1], { sql: "owner", tx: "owner" });
      }),
    );
  });
});
