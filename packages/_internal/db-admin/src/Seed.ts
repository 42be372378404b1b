import { createHash } from "node:crypto";
import { DocumentsEntityIds, DocumentsTables } from "@beep/documents-tables";
import { IamEntityIds, IamTables } from "@beep/iam-tables";
import { type EntityId, SharedEntityIds } from "@beep/shared-domain";
import { ContextTicket, SharedTables, TenantContext, type TenantRole } from "@beep/shared-tables";
import { sql as drizzleSql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Data, Effect } from "effect";
import * as Distribution from "./Distribution.ts";
import * as Sql from "./internal/sql.ts";

/** Seeding failed; every organization is seeded in its own transaction, so none is half-written. */
export class SeedFailed extends Data.TaggedError("SeedFailed")<{ readonly reason: string; readonly cause?: unknown }> {
  override get message() {
    const detail = this.cause instanceof Error ? `: ${this.cause.message}` : "";
    return `seed failed: ${this.reason}${detail}`;
  }
}

export interface SeededUser {
  readonly id: SharedEntityIds.UserId;
  readonly email: string;
  readonly name: string;
}

export interface SeededOrganization {
  readonly id: SharedEntityIds.OrganizationId;
  readonly name: string;
  readonly owner: SeededUser;
}

export interface SeedResult {
  readonly organizations: ReadonlyArray<SeededOrganization>;
  /** Rows inserted by this run; 0 when the demo data was already there. */
  readonly created: number;
}

// A fixed instant keeps the ids time-ordered like real ones while staying the same on every run.
const SEED_MILLIS = Date.UTC(2026, 0, 1);

/** A valid, stable EntityId for `key`: the same on every run, so seeding twice creates nothing new. */
export const stableId = <T extends string>(entityId: EntityId.EntityId<T>, key: string): EntityId.EntityIdString<T> => {
  const hash = createHash("sha256").update(`beep-seed:${entityId.tableName}:${key}`).digest("hex");
  const time = SEED_MILLIS.toString(16).padStart(12, "0");
  const variant = ((Number.parseInt(hash.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  const uuid = `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hash.slice(0, 3)}-${variant}${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
  return `${entityId.tableName}__${uuid}` as EntityId.EntityIdString<T>;
};

interface DemoUser {
  readonly key: string;
  readonly name: string;
}

interface DemoOrganization {
  readonly key: string;
  readonly name: string;
  readonly owner: DemoUser;
  readonly member: DemoUser;
  readonly documents: ReadonlyArray<{ readonly key: string; readonly title: string; readonly content: string }>;
}

/** The demo: two organizations with an owner and a member each, documents, discussions and comments. */
export const DEMO: ReadonlyArray<DemoOrganization> = [
  {
    key: "acme",
    name: "Acme",
    owner: { key: "alice", name: "Alice Anders" },
    member: { key: "bob", name: "Bob Brown" },
    documents: [
      { key: "handbook", title: "Acme handbook", content: "How we work at Acme." },
      { key: "roadmap", title: "Rocket skates roadmap", content: "Q1: prototype. Q2: fewer explosions." },
    ],
  },
  {
    key: "globex",
    name: "Globex",
    owner: { key: "grace", name: "Grace Green" },
    member: { key: "hank", name: "Hank Hill" },
    documents: [
      { key: "handbook", title: "Globex handbook", content: "How we work at Globex." },
      { key: "launch", title: "Launch checklist", content: "Everything before the big day." },
    ],
  },
];

const emailOf = (org: DemoOrganization, user: DemoUser) => `${user.key}@${org.key}.example`;
const userIdOf = (org: DemoOrganization, user: DemoUser) => stableId(SharedEntityIds.UserId, `${org.key}/${user.key}`);

type Sign = ReturnType<typeof ContextTicket.signer>;

/** The role every demo write carries in its ticket. */
const OWNER: TenantRole.Role = "owner";

/** Seeds one organization in one transaction under its tenant context; returns the rows it inserted. */
const seedOrganization = async (
  db: ReturnType<typeof drizzle>,
  sign: Sign,
  org: DemoOrganization,
  citus: boolean,
): Promise<number> =>
  db.transaction(async (tx) => {
    const orgId = stableId(SharedEntityIds.OrganizationId, org.key);
    const counted = async (insert: PromiseLike<unknown>) => ((await insert) as { count?: number }).count ?? 0;
    const owner = userIdOf(org, org.owner);
    const member = userIdOf(org, org.member);
    const users: ReadonlyArray<readonly [DemoUser, IamTables.MemberRole]> = [
      [org.owner, "owner"],
      [org.member, "member"],
    ];
    let created = 0;
    // Every demo write carries the organization's strongest role, its owner's: the tables' grants let an owner add
    // their own membership, and the demo has no invitation for the member to accept.
    const enter = async (userId: SharedEntityIds.UserId) => {
      const ticket = sign({ organizationId: orgId, userId, role: OWNER });
      await tx.execute(drizzleSql`select set_config(${TenantContext.SETTING}, ${ticket}, true)`);
      const onWorkers = citus ? TenantContext.citusContextSql(ticket) : undefined;
      if (onWorkers !== undefined) {
        await tx.execute(drizzleSql.raw(TenantContext.CITUS_PROPAGATE_SQL));
        await tx.execute(drizzleSql.raw(onWorkers));
      }
    };
    // Each user signs up and joins as themselves: only a user creates their own row and membership.
    for (const [user, role] of users) {
      await enter(userIdOf(org, user));
      if (role === "owner") {
        created += await counted(
          tx.insert(SharedTables.organization).values({ id: orgId, name: org.name }).onConflictDoNothing(),
        );
      }
      created += await counted(
        tx
          .insert(SharedTables.user)
          .values({ id: userIdOf(org, user), email: emailOf(org, user), name: user.name })
          .onConflictDoNothing(),
      );
      created += await counted(
        tx
          .insert(IamTables.member)
          .values({
            id: stableId(IamEntityIds.MemberId, `${org.key}/${user.key}`),
            userId: userIdOf(org, user),
            role,
            email: emailOf(org, user),
            name: user.name,
          })
          .onConflictDoNothing(),
      );
    }
    // The documents, discussions and comments are written by the owner.
    await enter(owner);
    for (const document of org.documents) {
      const key = `${org.key}/${document.key}`;
      const documentId = stableId(DocumentsEntityIds.DocumentId, key);
      const discussionId = stableId(DocumentsEntityIds.DiscussionId, key);
      created += await counted(
        tx
          .insert(DocumentsTables.document)
          .values({
            id: documentId,
            title: document.title,
            content: document.content,
            status: "published",
            authorId: owner,
          })
          .onConflictDoNothing(),
      );
      created += await counted(
        tx
          .insert(DocumentsTables.discussion)
          .values({ id: discussionId, documentId, title: `About "${document.title}"`, authorId: owner })
          .onConflictDoNothing(),
      );
      created += await counted(
        tx
          .insert(DocumentsTables.comment)
          .values([
            {
              id: stableId(DocumentsEntityIds.CommentId, `${key}/1`),
              discussionId,
              body: "Please review.",
              authorId: owner,
            },
            {
              id: stableId(DocumentsEntityIds.CommentId, `${key}/2`),
              discussionId,
              body: "Looks good.",
              authorId: member,
            },
          ])
          .onConflictDoNothing(),
      );
    }
    return created;
  });

/**
 * Seeds the demo organizations through the runtime role's tenant context, never around RLS: `appUrl` must be a
 * role that RLS applies to (beep_app), signing its tickets with the database's `contextKey`. Idempotent: a second
 * run inserts nothing and returns the same ids.
 */
export const run = (appUrl: string, contextKey: string): Effect.Effect<SeedResult, SeedFailed> =>
  Effect.scoped(
    Effect.gen(function* () {
      const sql = yield* Sql.connection(appUrl, (cause) => new SeedFailed({ reason: "cannot connect", cause }));
      const [role] = yield* Effect.tryPromise({
        try: () => sql`select current_user as name, rolsuper or rolbypassrls as bypasses
          from pg_roles where rolname = current_user`,
        catch: (cause) => new SeedFailed({ reason: "cannot connect", cause }),
      });
      if (role === undefined || role.bypasses === true) {
        return yield* new SeedFailed({
          reason: `seed writes as the runtime role through tenant context; "${role?.name}" bypasses RLS`,
        });
      }
      const db = drizzle(sql);
      // On Citus the ticket must reach the workers too (as the runtime sends it).
      const citus = yield* Effect.tryPromise({
        try: () => Distribution.isCitus(sql),
        catch: (cause) => new SeedFailed({ reason: "cannot connect", cause }),
      });
      const sign = yield* Effect.try({
        try: () => ContextTicket.signer(contextKey),
        catch: (cause) => new SeedFailed({ reason: "invalid context key", cause }),
      });
      let created = 0;
      for (const org of DEMO) {
        created += yield* Effect.tryPromise({
          try: () => seedOrganization(db, sign, org, citus),
          catch: (cause) => new SeedFailed({ reason: `organization ${org.name}`, cause }),
        });
      }
      const organizations = DEMO.map(
        (org): SeededOrganization => ({
          id: stableId(SharedEntityIds.OrganizationId, org.key),
          name: org.name,
          owner: { id: userIdOf(org, org.owner), email: emailOf(org, org.owner), name: org.owner.name },
        }),
      );
      return { organizations, created };
    }),
  );
