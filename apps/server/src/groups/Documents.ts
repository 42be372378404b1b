import { DocumentsEntityIds, DocumentsTables } from "@beep/documents-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint";
import * as HttpApiGroup from "@effect/platform/HttpApiGroup";
import * as HttpApiSchema from "@effect/platform/HttpApiSchema";
import * as OpenApi from "@effect/platform/OpenApi";
import { Schema } from "effect";
import { Conflict, NotFound } from "../ApiErrors.ts";
import { Authentication } from "../Authentication.ts";
import * as Pagination from "../Pagination.ts";
import { Integer, LongText, strict, Text, Timestamp } from "./Fields.ts";

export const DocumentStatus = Schema.Literal(...DocumentsTables.DOCUMENT_STATUSES);
const Content = LongText("content", 500_000);
const Title = Text("title", 500);

export const Document = Schema.Struct({
  id: DocumentsEntityIds.DocumentId.schema,
  title: Schema.String,
  content: Schema.String,
  status: DocumentStatus,
  authorId: Schema.NullOr(SharedEntityIds.UserId.schema),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).annotations({ identifier: "Document" });
export type Document = typeof Document.Type;

export const CreateDocument = Schema.Struct({
  title: Title,
  content: Schema.optional(Content),
  status: Schema.optional(DocumentStatus),
}).annotations({ identifier: "CreateDocument", ...strict });
export type CreateDocument = typeof CreateDocument.Type;

export const UpdateDocument = Schema.Struct({
  title: Schema.optional(Title),
  content: Schema.optional(Content),
  status: Schema.optional(DocumentStatus),
})
  .pipe(
    Schema.filter((patch) =>
      patch.title !== undefined || patch.content !== undefined || patch.status !== undefined
        ? undefined
        : "expected at least one of title, content, status",
    ),
  )
  .annotations({ identifier: "UpdateDocument", ...strict });
export type UpdateDocument = typeof UpdateDocument.Type;

export const DocumentVersion = Schema.Struct({
  id: DocumentsEntityIds.DocumentVersionId.schema,
  documentId: DocumentsEntityIds.DocumentId.schema,
  version: Integer(1, "1 for the first snapshot, then one more for each"),
  title: Schema.String,
  content: Schema.String,
  authorId: Schema.NullOr(SharedEntityIds.UserId.schema),
  createdAt: Timestamp,
}).annotations({ identifier: "DocumentVersion" });
export type DocumentVersion = typeof DocumentVersion.Type;

export const DocumentPath = Schema.Struct({ id: DocumentsEntityIds.DocumentId.schema });

export class DocumentsGroup extends HttpApiGroup.make("documents")
  .add(
    HttpApiEndpoint.get("list", "/documents")
      .setUrlParams(Pagination.params(DocumentsEntityIds.DocumentId.schema))
      .addSuccess(Pagination.page(Document))
      .annotate(OpenApi.Summary, "List documents")
      .annotate(OpenApi.Description, "The organization's documents, oldest first, a page at a time"),
  )
  .add(
    HttpApiEndpoint.post("create", "/documents")
      .setPayload(CreateDocument)
      .addSuccess(Document, { status: 201 })
      .annotate(OpenApi.Summary, "Create a document"),
  )
  .add(
    HttpApiEndpoint.get("get", "/documents/:id")
      .setPath(DocumentPath)
      .addSuccess(Document)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Read a document"),
  )
  .add(
    HttpApiEndpoint.patch("update", "/documents/:id")
      .setPath(DocumentPath)
      .setPayload(UpdateDocument)
      .addSuccess(Document)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Change a document")
      .annotate(OpenApi.Description, "Changes the fields given (at least one of title, content, status)"),
  )
  .add(
    HttpApiEndpoint.del("delete", "/documents/:id")
      .setPath(DocumentPath)
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Delete a document"),
  )
  .add(
    HttpApiEndpoint.get("listVersions", "/documents/:id/versions")
      .setPath(DocumentPath)
      .setUrlParams(Pagination.params(DocumentsEntityIds.DocumentVersionId.schema))
      .addSuccess(Pagination.page(DocumentVersion))
      .addError(NotFound)
      .annotate(OpenApi.Summary, "List a document's versions"),
  )
  .add(
    HttpApiEndpoint.post("createVersion", "/documents/:id/versions")
      .setPath(DocumentPath)
      .addSuccess(DocumentVersion, { status: 201 })
      .addError(NotFound)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Snapshot a document as a version")
      .annotate(OpenApi.Description, "Snapshots the document's current title and content as the next version"),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Documents")
  .annotate(OpenApi.Description, "Documents and their numbered versions (snapshots of title and content)") {}
