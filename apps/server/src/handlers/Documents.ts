import { DocumentsEntityIds, DocumentsTables } from "@beep/documents-tables";
import { Prepared, TenantTx } from "@beep/shared-server";
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import { and, asc, eq, gt, max } from "drizzle-orm";
import { Effect } from "effect";
import { Api } from "../Api.ts";
import { Conflict, notFound } from "../ApiErrors.ts";
import * as AuditLog from "../AuditLog.ts";
import * as Pagination from "../Pagination.ts";
import * as RequestTenant from "../RequestTenant.ts";

const { document, documentVersion } = DocumentsTables;
const DOCUMENT = DocumentsEntityIds.DocumentId.tableName;
const VERSION = DocumentsEntityIds.DocumentVersionId.tableName;

// Built once: most document routes read the document first.
const DOCUMENT_BY_ID = Prepared.make(["id"], (db, placeholders) =>
  db.select().from(document).where(eq(document.id, placeholders.id)).limit(1),
);

/**
 * The document, if this organization has it; RLS hides every other organization's. With `TenantTx.useLast` as
 * `use`, the read is the unit's last statement (COMMIT goes behind it).
 */
export const findDocument = (id: DocumentsEntityIds.DocumentId, use: typeof TenantTx.use = TenantTx.use) =>
  use(Prepared.run(DOCUMENT_BY_ID, { id })).pipe(
    Effect.flatMap((rows) => (rows[0] === undefined ? Effect.fail(notFound("document")) : Effect.succeed(rows[0]))),
  );

const listDocuments = Pagination.listing((db, after) =>
  db
    .select()
    .from(document)
    .where(after && gt(document.id, after))
    .orderBy(asc(document.id))
    .limit(Pagination.LIMIT),
);

const listVersions = Pagination.listing(["documentId"], (db, after, placeholders) =>
  db
    .select()
    .from(documentVersion)
    .where(and(eq(documentVersion.documentId, placeholders.documentId), after && gt(documentVersion.id, after)))
    .orderBy(asc(documentVersion.id))
    .limit(Pagination.LIMIT),
);

export const DocumentsLive = HttpApiBuilder.group(Api, "documents", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) => RequestTenant.run(listDocuments.last(urlParams)))
    .handle("create", ({ payload }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          const authorId = yield* RequestTenant.actor;
          const [created] = yield* TenantTx.use((db) =>
            db
              .insert(document)
              .values({
                title: payload.title,
                ...(payload.content === undefined ? {} : { content: payload.content }),
                ...(payload.status === undefined ? {} : { status: payload.status }),
                authorId,
              })
              .returning(),
          );
          if (created === undefined) return yield* Effect.die("insert returned no row");
          yield* AuditLog.recordForSession({ action: "document.created", entityType: DOCUMENT, entityId: created.id });
          return created;
        }),
      ),
    )
    .handle("get", ({ path }) => RequestTenant.run(findDocument(path.id, TenantTx.useLast)))
    .handle("update", ({ path, payload }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          const [updated] = yield* TenantTx.use((db) =>
            db
              .update(document)
              .set({
                ...(payload.title === undefined ? {} : { title: payload.title }),
                ...(payload.content === undefined ? {} : { content: payload.content }),
                ...(payload.status === undefined ? {} : { status: payload.status }),
              })
              .where(eq(document.id, path.id))
              .returning(),
          );
          if (updated === undefined)
            return yield* RequestTenant.refusedOrMissing(findDocument(path.id), "change this document");
          yield* AuditLog.recordForSession({ action: "document.updated", entityType: DOCUMENT, entityId: updated.id });
          return updated;
        }),
      ),
    )
    .handle("delete", ({ path }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          const [deleted] = yield* TenantTx.use((db) =>
            db.delete(document).where(eq(document.id, path.id)).returning({ id: document.id }),
          );
          if (deleted === undefined)
            return yield* RequestTenant.refusedOrMissing(findDocument(path.id), "delete this document");
          yield* AuditLog.recordForSession({ action: "document.deleted", entityType: DOCUMENT, entityId: deleted.id });
        }),
      ),
    )
    .handle("listVersions", ({ path, urlParams }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          yield* findDocument(path.id);
          return yield* listVersions.last(urlParams, { documentId: path.id });
        }),
      ),
    )
    .handle("createVersion", ({ path }) =>
      RequestTenant.run(
        Effect.gen(function* () {
          const authorId = yield* RequestTenant.actor;
          const current = yield* findDocument(path.id);
          const [latest] = yield* TenantTx.use((db) =>
            db
              .select({ version: max(documentVersion.version) })
              .from(documentVersion)
              .where(eq(documentVersion.documentId, path.id)),
          );
          const [created] = yield* TenantTx.use((db) =>
            db
              .insert(documentVersion)
              .values({
                documentId: current.id,
                version: (latest?.version ?? 0) + 1,
                title: current.title,
                content: current.content,
                authorId,
              })
              .returning(),
          ).pipe(
            Effect.catchTag("UniqueViolation", () =>
              Effect.fail(new Conflict({ message: "another version was created at the same time; retry" })),
            ),
          );
          if (created === undefined) return yield* Effect.die("insert returned no row");
          yield* AuditLog.recordForSession({
            action: "document_version.created",
            entityType: VERSION,
            entityId: created.id,
          });
          return created;
        }),
      ),
    ),
);
