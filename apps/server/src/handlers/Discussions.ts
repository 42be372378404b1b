import { DocumentsEntityIds, DocumentsTables } from "@beep/documents-tables";
import { TenantTx } from "@beep/shared-server";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import { and, asc, eq, gt } from "drizzle-orm";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { notFound } from "../ApiErrors.ts";
import * as AuditLog from "../AuditLog.ts";
import * as Pagination from "../Pagination.ts";
import * as RequestTenant from "../RequestTenant.ts";
import { findDocument } from "./Documents.ts";

const { comment, discussion } = DocumentsTables;

const findDiscussion = (documentId: DocumentsEntityIds.DocumentId, id: DocumentsEntityIds.DiscussionId) =>
  TenantTx.use((db) =>
    db
      .select({ id: discussion.id })
      .from(discussion)
      .where(and(eq(discussion.id, id), eq(discussion.documentId, documentId)))
      .limit(1),
  ).pipe(
    Effect.filterOrFail(
      (rows) => rows.length === 1,
      () => notFound("discussion"),
    ),
  );

const listDiscussions = Pagination.listing(["documentId"], (db, after, placeholders) =>
  db
    .select()
    .from(discussion)
    .where(and(eq(discussion.documentId, placeholders.documentId), after && gt(discussion.id, after)))
    .orderBy(asc(discussion.id))
    .limit(Pagination.LIMIT),
);

const listComments = Pagination.listing(["discussionId"], (db, after, placeholders) =>
  db
    .select()
    .from(comment)
    .where(and(eq(comment.discussionId, placeholders.discussionId), after && gt(comment.id, after)))
    .orderBy(asc(comment.id))
    .limit(Pagination.LIMIT),
);

export const DiscussionsLive = HttpApiBuilder.group(Api, "discussions", (handlers) =>
  handlers
    .handle("list", ({ path, urlParams }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          yield* findDocument(path.id);
          return yield* listDiscussions.last(urlParams, { documentId: path.id });
        }),
      ),
    )
    .handle("create", ({ path, payload }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          const authorId = yield* RequestTenant.actor;
          yield* findDocument(path.id);
          const [created] = yield* TenantTx.use((db) =>
            db.insert(discussion).values({ documentId: path.id, title: payload.title, authorId }).returning(),
          );
          if (created === undefined) return yield* Effect.die("insert returned no row");
          yield* AuditLog.recordForSession({
            action: "discussion.created",
            entityType: DocumentsEntityIds.DiscussionId.tableName,
            entityId: created.id,
          });
          return created;
        }),
      ),
    )
    .handle("listComments", ({ path, urlParams }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          yield* findDiscussion(path.id, path.discussionId);
          return yield* listComments.last(urlParams, { discussionId: path.discussionId });
        }),
      ),
    )
    .handle("createComment", ({ path, payload }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          const authorId = yield* RequestTenant.actor;
          yield* findDiscussion(path.id, path.discussionId);
          const [created] = yield* TenantTx.use((db) =>
            db.insert(comment).values({ discussionId: path.discussionId, body: payload.body, authorId }).returning(),
          );
          if (created === undefined) return yield* Effect.die("insert returned no row");
          yield* AuditLog.recordForSession({
            action: "comment.created",
            entityType: DocumentsEntityIds.CommentId.tableName,
            entityId: created.id,
          });
          return created;
        }),
      ),
    ),
);
