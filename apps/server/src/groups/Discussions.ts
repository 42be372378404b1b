import { DocumentsEntityIds } from "@beep/documents-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint";
import * as HttpApiGroup from "@effect/platform/HttpApiGroup";
import * as OpenApi from "@effect/platform/OpenApi";
import { Schema } from "effect";
import { NotFound } from "../ApiErrors.ts";
import { Authentication } from "../Authentication.ts";
import * as Pagination from "../Pagination.ts";
import { DocumentPath } from "./Documents.ts";
import { strict, Text, Timestamp } from "./Fields.ts";

export const Discussion = Schema.Struct({
  id: DocumentsEntityIds.DiscussionId.schema,
  documentId: DocumentsEntityIds.DocumentId.schema,
  title: Schema.String,
  resolved: Schema.Boolean,
  authorId: Schema.NullOr(SharedEntityIds.UserId.schema),
  createdAt: Timestamp,
}).annotations({ identifier: "Discussion" });
export type Discussion = typeof Discussion.Type;

export const CreateDiscussion = Schema.Struct({ title: Text("title", 500) }).annotations({
  identifier: "CreateDiscussion",
  ...strict,
});
export type CreateDiscussion = typeof CreateDiscussion.Type;

export const Comment = Schema.Struct({
  id: DocumentsEntityIds.CommentId.schema,
  discussionId: DocumentsEntityIds.DiscussionId.schema,
  body: Schema.String,
  authorId: Schema.NullOr(SharedEntityIds.UserId.schema),
  createdAt: Timestamp,
}).annotations({ identifier: "Comment" });
export type Comment = typeof Comment.Type;

export const CreateComment = Schema.Struct({ body: Text("body", 20_000) }).annotations({
  identifier: "CreateComment",
  ...strict,
});
export type CreateComment = typeof CreateComment.Type;

export const DiscussionPath = Schema.Struct({
  id: DocumentsEntityIds.DocumentId.schema,
  discussionId: DocumentsEntityIds.DiscussionId.schema,
});

export class DiscussionsGroup extends HttpApiGroup.make("discussions")
  .add(
    HttpApiEndpoint.get("list", "/documents/:id/discussions")
      .setPath(DocumentPath)
      .setUrlParams(Pagination.params(DocumentsEntityIds.DiscussionId.schema))
      .addSuccess(Pagination.page(Discussion))
      .addError(NotFound)
      .annotate(OpenApi.Summary, "List a document's discussions"),
  )
  .add(
    HttpApiEndpoint.post("create", "/documents/:id/discussions")
      .setPath(DocumentPath)
      .setPayload(CreateDiscussion)
      .addSuccess(Discussion, { status: 201 })
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Start a discussion on a document"),
  )
  .add(
    HttpApiEndpoint.get("listComments", "/documents/:id/discussions/:discussionId/comments")
      .setPath(DiscussionPath)
      .setUrlParams(Pagination.params(DocumentsEntityIds.CommentId.schema))
      .addSuccess(Pagination.page(Comment))
      .addError(NotFound)
      .annotate(OpenApi.Summary, "List a discussion's comments"),
  )
  .add(
    HttpApiEndpoint.post("createComment", "/documents/:id/discussions/:discussionId/comments")
      .setPath(DiscussionPath)
      .setPayload(CreateComment)
      .addSuccess(Comment, { status: 201 })
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Comment in a discussion"),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Discussions")
  .annotate(OpenApi.Description, "Discussions on a document and the comments in them") {}
