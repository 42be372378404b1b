import { EntityId } from "@beep/shared-domain";

export const DocumentId = EntityId.make("documents_document");
export type DocumentId = EntityId.Type<typeof DocumentId>;
export const DocumentVersionId = EntityId.make("documents_document_version");
export type DocumentVersionId = EntityId.Type<typeof DocumentVersionId>;
export const DiscussionId = EntityId.make("documents_discussion");
export type DiscussionId = EntityId.Type<typeof DiscussionId>;
export const CommentId = EntityId.make("documents_comment");
export type CommentId = EntityId.Type<typeof CommentId>;
export const DocumentFileId = EntityId.make("documents_document_file");
export type DocumentFileId = EntityId.Type<typeof DocumentFileId>;
