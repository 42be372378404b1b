import { document } from "@beep/documents-tables/schema";
import { Db, type DbErrors, TenantDb, TenantQuery, TenantTx } from "@beep/shared-server";
import { and, desc, eq } from "drizzle-orm";
import { Data, Effect, Layer } from "effect";

export type Document = typeof document.$inferSelect;

export class DocumentNotFound extends Data.TaggedError("DocumentNotFound")<{ readonly id: string }> {}

/** The current organization's drafts, newest first. Requires TenantTx: it cannot run without a tenant. */
export const listDrafts: Effect.Effect<ReadonlyArray<Document>, DbErrors.DbError, TenantTx.TenantTx> = TenantTx.use(
  (db, organizationId) =>
    db
      .select()
      .from(document)
      // RLS already hides other tenants; filtering here too gives the planner the organization.
      .where(and(eq(document.organizationId, organizationId), eq(document.status, "draft")))
      .orderBy(desc(document.createdAt)),
);

/** The helpers fill in and filter by the organization for you. */
export const createDraft = (title: string) =>
  TenantQuery.insert(document, { title }).pipe(
    Effect.flatMap(([row]) => (row === undefined ? Effect.dieMessage("insert returned no row") : Effect.succeed(row))),
  );

export const publish = (id: Document["id"]) =>
  TenantQuery.update(document, { status: "published" }, eq(document.id, id)).pipe(
    Effect.flatMap(([row]) => (row === undefined ? Effect.fail(new DocumentNotFound({ id })) : Effect.succeed(row))),
  );

/**
 * A use case: one unit of work, one transaction, one tenant, user and role (from the authenticated request, never
 * the body). The role decides what the tables' grants allow: a member publishes only what they wrote.
 */
export const draftAndPublish = (caller: TenantDb.TenantScope, title: string) =>
  TenantDb.withContext(caller)(
    Effect.gen(function* () {
      const draft = yield* createDraft(title);
      yield* publish(draft.id);
      return yield* listDrafts;
    }),
  );

/** Wiring: the runtime pool from `APP_DATABASE_URL` (role beep_app), and TenantDb over it (`BEEP_CONTEXT_KEY`). */
export const TenantLive = TenantDb.layer.pipe(Layer.provideMerge(Db.layer));
