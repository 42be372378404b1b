import { IamEntityIds } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { SharedTables, TenantRole } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { Effect, Either, Layer } from "effect";
import type * as Db from "../src/Db.ts";
import type { DbError } from "../src/DbErrors.ts";
import * as SystemDb from "../src/SystemDb.ts";
import * as TenantDb from "../src/TenantDb.ts";
import * as TenantTx from "../src/TenantTx.ts";
import { runtime, runtimeOnCitus, runtimeThrough } from "./internal/layers.ts";
import * as RoleRules from "./internal/RoleRules.ts";
import * as Seed from "./internal/Seed.ts";

type Row = Seed.Row;
type Loose = any;

const MEMBERS = "member admin owner";
const ADMINS = "admin owner";

/** Documents, versions, discussions, comments: members create their own and change or delete their own; admins any. */
const authored: RoleRules.TableRules = {
  rows: { own: { authorId: "@actor" }, others: { authorId: "@member" } },
  select: { own: MEMBERS, others: MEMBERS },
  insert: { own: MEMBERS },
  update: { own: MEMBERS, others: ADMINS },
  delete: { own: MEMBERS, others: ADMINS },
};

/** Rows no one authors: members read them; `writers` create them; admins change and delete them. */
const organizational = (writers: string): RoleRules.TableRules => ({
  rows: { any: {} },
  select: { any: MEMBERS },
  insert: { any: writers },
  update: { any: ADMINS },
  delete: { any: ADMINS },
});

/**
 * The invitation an invitee context acts for (`TenantRole.invitee(id)`), and the key an API key's context acts for
 * (`TenantRole.apiKey(id)`): the rows labelled so in iam_invitation and iam_api_key.
 */
const THEIRS = "theirs";

/**
 * The product's promise, by hand (never derived from the grants): what each context role may do, per table with
 * grants. "Manage members" is read as changing and removing memberships: a membership is only created by its own
 * user, as the founding owner or as an invitee accepting (never as owner); admins add people through invitations.
 * Users: `@actor` is the context's user, `@member`/`@admin`/`@owner` others of the organization, `@newcomer` a
 * new user the context acts as, `@stranger` a new user it does not.
 */
const ORACLE: RoleRules.Oracle = {
  documents_document: authored,
  documents_document_version: authored,
  documents_discussion: authored,
  documents_comment: authored,
  // A document's attachments: part of writing documents.
  documents_document_file: organizational(MEMBERS),
  // The organization's settings (custom roles, SSO providers, teams): admins manage them.
  iam_organization_role: organizational(ADMINS),
  iam_sso_provider: organizational(ADMINS),
  iam_team_member: organizational(ADMINS),
  iam_member: {
    rows: {
      own: { userId: "@actor", role: "member" },
      member: { userId: "@member", role: "member" },
      admin: { userId: "@admin", role: "admin" },
      owner: { userId: "@owner", role: "owner" },
      joining: { userId: "@newcomer", role: "member" },
      joiningAsOwner: { userId: "@newcomer", role: "owner" },
      someoneElse: { userId: "@stranger", role: "member" },
    },
    select: { own: `none invitee apikey ${MEMBERS}`, member: MEMBERS, admin: MEMBERS, owner: MEMBERS },
    insert: { joining: "owner invitee", joiningAsOwner: "owner", someoneElse: "" },
    update: { own: ADMINS, member: ADMINS, admin: ADMINS, owner: "owner" },
    delete: { own: ADMINS, member: ADMINS, admin: ADMINS, owner: "owner" },
  },
  iam_invitation: {
    rows: {
      [THEIRS]: { role: "member" },
      member: { role: "member" },
      admin: { role: "admin" },
      owner: { role: "owner" },
    },
    // Members do not read invitations; admins see every one, owner invitations included, and manage those below owner.
    select: { [THEIRS]: `${ADMINS} invitee`, admin: ADMINS, owner: ADMINS },
    insert: { member: ADMINS, admin: ADMINS, owner: "owner" },
    update: { [THEIRS]: `${ADMINS} invitee`, admin: ADMINS, owner: "owner" },
    delete: { [THEIRS]: ADMINS, admin: ADMINS, owner: "owner" },
  },
  iam_api_key: {
    rows: {
      [THEIRS]: { role: "member" },
      member: { role: "member" },
      admin: { role: "admin" },
      owner: { role: "owner" },
    },
    // A key's own context reads it and records its use; admins see every key and manage those below owner.
    select: { [THEIRS]: `${ADMINS} apikey`, admin: ADMINS, owner: ADMINS },
    insert: { member: ADMINS, admin: ADMINS, owner: "owner" },
    update: { [THEIRS]: `${ADMINS} apikey`, admin: ADMINS, owner: "owner" },
    delete: { [THEIRS]: ADMINS, admin: ADMINS, owner: "owner" },
  },
};

/** What an UPDATE case writes, so that a change is visible afterwards. */
const MARK = "2000-01-01T00:00:00Z";

type After = "gone" | "marked" | "kept";

/** A case's outcome, carried out of its unit of work, which it rolls back. */
class Undo {
  constructor(
    readonly attempt: Either.Either<number, DbError>,
    readonly after: After | undefined,
  ) {}
}

interface Org {
  readonly id: SharedEntityIds.OrganizationId;
  readonly rows: ReadonlyMap<string, ReadonlyMap<string, Row>>;
  readonly invitation: string;
  readonly apiKey: string;
}

/** Rows the statement saw or changed (an INSERT without error: one). */
const statement =
  (command: RoleRules.Command, table: PgTable, name: string, row: Row) =>
  (db: Db.Drizzle): Promise<number> => {
    const t = sql.identifier(name);
    switch (command) {
      case "select":
        return db.execute(sql`select id from ${t} where id = ${row.id}`).then((rows) => rows.length);
      case "insert":
        return db
          .insert(table)
          .values(row as Loose)
          .then(() => 1);
      case "update":
        return db
          .execute(sql`update ${t} set updated_at = ${MARK}::timestamptz where id = ${row.id}`)
          .then((rows) => rows.count);
      case "delete":
        return db.execute(sql`delete from ${t} where id = ${row.id}`).then((rows) => rows.count);
    }
  };

type Verdict = "ok" | "escalation" | "denial" | "unexpected";

/** Allowed: done to exactly the row. Refused: 0 rows and the row as it was, or RLS's 42501 (an insert: only that). */
const judge = (c: RoleRules.Case, { attempt, after }: Undo): Verdict => {
  if (Either.isLeft(attempt)) {
    if (c.allowed) return "denial";
    return attempt.left._tag === "TenantAccessDenied" && attempt.left.code === "42501" ? "ok" : "unexpected";
  }
  const changed = after === "marked" || after === "gone";
  if (!c.allowed) return attempt.right > 0 || changed ? "escalation" : "ok";
  const expected = c.command === "update" ? "marked" : c.command === "delete" ? "gone" : undefined;
  return attempt.right === 1 && (after === undefined || after === expected) ? "ok" : "denial";
};

const roleMatrix = (runtimeLayer: ReturnType<typeof runtime>, engine: string) =>
  it.layer(runtimeLayer)((it) => {
    it.effect(
      "each context role does what the product promises in every table with grants, and nothing to another organization",
      () =>
        Effect.gen(function* () {
          // A table with grants and no rules here fails first: the promise must be written down for it.
          assert.deepStrictEqual(
            RoleRules.grantTables(),
            Object.keys(ORACLE).sort(),
            "tables with grants vs the oracle",
          );
          const tables = Seed.tenantTables();
          const tenantSet = new Set(tables.map((entry) => entry.table));
          const byName = new Map(tables.map((entry) => [entry.name, entry]));

          const newUser = (tag: string) =>
            Effect.gen(function* () {
              const id = SharedEntityIds.UserId.create();
              const email = `${tag}-${id.slice(-12)}@example.com`;
              yield* SystemDb.transaction(
                SystemDb.use((db) => db.insert(SharedTables.user).values({ id, email, name: tag })),
              );
              return id;
            });
          const users: Record<string, SharedEntityIds.UserId> = {};
          for (const name of ["owner", "admin", "member", "actor"]) users[name] = yield* newUser(name);
          const actor = users.actor as SharedEntityIds.UserId;
          const owner = users.owner as SharedEntityIds.UserId;

          /** A shape's values; `@newcomer` becomes the acting user. */
          const resolve = (shape: RoleRules.Shape) =>
            Effect.gen(function* () {
              const values: Row = {};
              let actingUser = actor;
              for (const [key, value] of Object.entries(shape)) {
                const name = value.startsWith("@") ? value.slice(1) : undefined;
                if (name === undefined) values[key] = value;
                else if (name === "newcomer" || name === "stranger") {
                  const id = yield* newUser(name);
                  values[key] = id;
                  if (name === "newcomer") actingUser = id;
                } else if (users[name] !== undefined) values[key] = users[name];
                else return yield* Effect.dieMessage(`unknown user ${value}`);
              }
              return { values, actingUser };
            });
          const insertGlobals = (rows: ReadonlyArray<{ readonly table: PgTable; readonly row: Row }>) =>
            Effect.forEach(rows, (global) =>
              SystemDb.transaction(SystemDb.use((db) => db.insert(global.table).values(global.row as Loose))),
            );
          /** Set up as an owner of the organization; a membership as its own user (no one adds anyone else). */
          const asOwner = (organizationId: string, table: PgTable, row: Row) =>
            TenantDb.withContext({
              organizationId,
              userId: typeof row.userId === "string" ? row.userId : owner,
              role: "owner",
            })(TenantTx.use((db) => db.insert(table).values(row as Loose)));

          const createOrg = (name: string) =>
            Effect.gen(function* () {
              const id = SharedEntityIds.OrganizationId.create();
              yield* TenantDb.withContext({ organizationId: id, userId: owner, role: "owner" })(
                TenantTx.use((db) => db.insert(SharedTables.organization).values({ id, name })),
              );
              const rows = new Map<string, Map<string, Row>>();
              const parents = new Map<PgTable, Row>();
              for (const entry of tables) {
                const rules = ORACLE[entry.name];
                const labelled = rules === undefined ? { base: {} } : rules.rows;
                const labels = rules === undefined ? ["base"] : RoleRules.existingRows(rules);
                const byLabel = new Map<string, Row>();
                for (const label of labels) {
                  const planned = Seed.planRow(entry, parents);
                  yield* insertGlobals(planned.globals);
                  const { values } = yield* resolve(labelled[label] ?? {});
                  const row = { ...planned.row, ...values, organizationId: id };
                  yield* asOwner(id, entry.table, row);
                  byLabel.set(label, row);
                  if (!parents.has(entry.table)) parents.set(entry.table, row);
                }
                rows.set(entry.name, byLabel);
              }
              const theirs = rows.get("iam_invitation")?.get(THEIRS)?.id;
              const key = rows.get("iam_api_key")?.get(THEIRS)?.id;
              return {
                id,
                rows,
                invitation: typeof theirs === "string" ? theirs : IamEntityIds.InvitationId.create(),
                apiKey: typeof key === "string" ? key : IamEntityIds.ApiKeyId.create(),
              } satisfies Org;
            });
          const A = yield* createOrg("A");
          const B = yield* createOrg("B");

          /** One case, always as a context of A; `org` owns the rows it aims at. */
          const run = (org: Org, c: RoleRules.Case) =>
            Effect.gen(function* () {
              const entry = byName.get(c.table);
              if (entry === undefined) return yield* Effect.dieMessage(`${c.table} is no tenant table`);
              let row: Row;
              let actingUser = actor;
              if (c.command === "insert") {
                // New parents for the new row, set up as the row's organization's owner.
                const fresh = Seed.planFresh(entry, tables);
                yield* insertGlobals(fresh.prerequisites.filter((p) => !tenantSet.has(p.table)));
                for (const p of fresh.prerequisites.filter((p) => tenantSet.has(p.table))) {
                  yield* asOwner(org.id, p.table, { ...p.row, organizationId: org.id });
                }
                const resolved = yield* resolve(c.shape);
                row = { ...fresh.row, ...resolved.values, organizationId: org.id };
                actingUser = resolved.actingUser;
              } else row = org.rows.get(c.table)?.get(c.target) as Row;
              const role =
                c.role === "none"
                  ? undefined
                  : c.role === "invitee"
                    ? TenantRole.invitee(org.invitation)
                    : c.role === "apikey"
                      ? TenantRole.apiKey(org.apiKey)
                      : c.role;
              const reread = org === A && (c.command === "update" || c.command === "delete");
              return yield* TenantDb.withContext({ organizationId: A.id, userId: actingUser, role })(
                Effect.gen(function* () {
                  const attempt = yield* Effect.either(TenantTx.use(statement(c.command, entry.table, c.table, row)));
                  let after: After | undefined;
                  if (reread && Either.isRight(attempt)) {
                    // The owner sees every row of these tables: whether the row is still there, and as it was.
                    const [state] = yield* TenantTx.asRole("owner")(
                      TenantTx.use((db) =>
                        db.execute(
                          sql`select updated_at = ${MARK}::timestamptz as marked from ${sql.identifier(c.table)} where id = ${row.id}`,
                        ),
                      ),
                    );
                    after = state === undefined ? "gone" : state.marked === true ? "marked" : "kept";
                  }
                  return yield* Effect.fail(new Undo(attempt, after));
                }),
              ).pipe(
                Effect.flip,
                Effect.flatMap((result) => (result instanceof Undo ? Effect.succeed(result) : Effect.die(result))),
              );
            });

          const oracleCases = RoleRules.cases(ORACLE);
          const found: Record<Exclude<Verdict, "ok">, Array<string>> = { escalation: [], denial: [], unexpected: [] };
          let ran = 0;
          for (const [org, where] of [
            [A, "own organization"],
            [B, "another organization's rows"],
          ] as const) {
            for (const c of oracleCases) {
              // Another organization's rows: the tenant policy bounds every grant, so nothing is allowed there.
              const aimed = org === A ? c : { ...c, allowed: false };
              const outcome = yield* run(org, aimed);
              ran += 1;
              const verdict = judge(aimed, outcome);
              if (verdict !== "ok") {
                const shown = Either.match(outcome.attempt, {
                  onLeft: (error) => `${error._tag} ${"code" in error ? error.code : ""} ${error.message}`,
                  onRight: (n) => `${n} rows${outcome.after === undefined ? "" : `, afterwards ${outcome.after}`}`,
                });
                found[verdict].push(`${where}: ${c.table} ${c.command} ${c.target} as ${c.role}: ${shown}`);
              }
            }
          }

          const expected = 2 * oracleCases.length;
          console.log(
            `role matrix (${engine}): ${Object.keys(ORACLE).length} tables with grants, ${ran} cases of ${expected} the oracle implies (${oracleCases.length} per organization), ${found.escalation.length} escalations, ${found.denial.length} denials, ${found.unexpected.length} unexpected refusals`,
          );
          for (const [verdict, lines] of Object.entries(found))
            for (const line of lines) console.log(`  ${verdict}: ${line}`);
          assert.strictEqual(ran, expected);
          assert.deepStrictEqual(found.escalation, [], "forbidden but succeeded");
          assert.deepStrictEqual(found.denial, [], "allowed but refused");
          assert.deepStrictEqual(found.unexpected, [], "refused, but not by row-level security");
        }).pipe(Effect.scoped),
      600_000,
    );
  });

describe("role matrix, generated from the tables with grants", () => roleMatrix(runtime({ poolMax: 1 }), "postgres"));

Testkit.describeWithPgBouncer("role matrix, through PgBouncer in transaction mode", (bouncer) =>
  roleMatrix(runtimeThrough(bouncer, { poolMax: 1 }), "pgbouncer"),
);

Testkit.describeWithCitus("role matrix, on a Citus cluster through the coordinator", (citus) =>
  // Built lazily: the cluster's URLs may only be read inside tests, and a skipped suite is still collected.
  roleMatrix(
    Layer.suspend(() => runtimeOnCitus(citus, { poolMax: 1 })),
    "citus",
  ),
);
