import { DocumentsEntityIds, DocumentsTables } from "@beep/documents-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { asc, sql as drizzleSql, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Effect, Layer, Schema } from "effect";
import { jwtVerify } from "jose";
import postgres from "postgres";
import { ContextRejected, inTenantTransaction } from "./internal/tenantTransaction.ts";

/**
 * `GET /v1/documents` written directly on Bun.serve, jose and postgres.js: the floor apps/server's route is
 * compared with. The same work per request: the HS256 token (same secret and claims), then one tenant
 * transaction with the runtime's protocol and apps/server's statements, in one round trip: BEGIN,
 * `TenantDb.PRELUDE_SQL` (a ticket for the token's user, no role), `beep.assume_role()` (the caller's membership,
 * re-signed in the database, as `TenantTx.asHeldRole` sends it), the page and the closing message with COMMIT
 * (as `TenantTx.useLast` writes it). Drizzle only renders the statements' text, once.
 */
export const VARIANT = "minimal";

export interface Options {
  readonly port: number;
  /** `beep_app`'s login. */
  readonly databaseUrl: string;
  readonly contextKey: string;
  readonly authSecret: string;
  readonly poolMax: number;
}

const { document } = DocumentsTables;
const renderer = drizzle.mock();
const cursor = drizzleSql.placeholder("cursor");

// apps/server's list statements, rendered to the same text.
const FIRST_PAGE = renderer.select().from(document).orderBy(asc(document.id)).limit(0).toSQL().sql;
const NEXT_PAGE = renderer
  .select()
  .from(document)
  .where(gt(document.id, cursor))
  .orderBy(asc(document.id))
  .limit(0)
  .toSQL().sql;

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;
const isUserId = Schema.is(SharedEntityIds.UserId.schema);
const isOrganizationId = Schema.is(SharedEntityIds.OrganizationId.schema);
const isDocumentId = Schema.is(DocumentsEntityIds.DocumentId.schema);

interface DocumentRow {
  readonly id: string;
  readonly title: string;
  readonly content: string;
  readonly status: string;
  readonly author_id: string | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** A request answered with a status before any page: what apps/server answers then, in short. */
class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const refuse = (status: number, message: string) => Response.json({ message }, { status });

/** `?limit` as apps/server reads it (an integer 1..100, default 20) and `?cursor` (a document id). */
const pageParams = (url: URL): { readonly limit: number; readonly cursor: string | undefined } => {
  const limitText = url.searchParams.get("limit");
  const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new Refused(400, "limit must be 1 to 100");
  const cursorText = url.searchParams.get("cursor") ?? undefined;
  if (cursorText !== undefined && !isDocumentId(cursorText)) throw new Refused(400, "cursor must be a document id");
  return { limit, cursor: cursorText };
};

/** The token's user and organization (`sub`, `org_id`, `exp`, HS256), as apps/server's `Token.verify`. */
const subjectOf = async (header: string | null, key: Uint8Array) => {
  const token = header === null ? undefined : BEARER.exec(header)?.[1];
  if (token === undefined) throw new Refused(401, "missing or malformed bearer token");
  const { payload } = await jwtVerify(token, key, {
    algorithms: ["HS256"],
    requiredClaims: ["sub", "org_id", "exp"],
  }).catch(() => {
    throw new Refused(401, "invalid token");
  });
  const { sub, org_id: organizationId } = payload;
  if (!isUserId(sub) || !isOrganizationId(organizationId)) throw new Refused(401, "token claims are malformed");
  return { userId: sub, organizationId };
};

/** The request handler over a pool of `beep_app`. */
export const handler = (options: Options, sql: postgres.Sql) => {
  const key = new TextEncoder().encode(options.authSecret);
  const sign = ContextTicket.signer(options.contextKey);
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (request.method !== "GET" || url.pathname !== "/v1/documents") return refuse(404, "not found");
    try {
      const { limit, cursor: after } = pageParams(url);
      const { userId, organizationId } = await subjectOf(request.headers.get("authorization"), key);
      const rows = await inTenantTransaction(
        sql,
        sign,
        organizationId,
        async (tx, commit) => {
          // As the runtime does: the re-sign by membership, the page and COMMIT go out together.
          const assumed = tx.unsafe<Array<{ role: string }>>(TenantContext.ASSUME_ROLE_SQL, [], { prepare: true });
          const page =
            after === undefined
              ? tx.unsafe<Array<DocumentRow>>(FIRST_PAGE, [limit + 1], { prepare: true })
              : tx.unsafe<Array<DocumentRow>>(NEXT_PAGE, [after, limit + 1], { prepare: true });
          // Both sent now (awaiting would send them a microtask later), then the closing message and COMMIT behind
          // the page, as apps/server's list routes do (`TenantTx.useLast`).
          assumed.execute();
          page.execute();
          commit();
          const [[took], rows] = await Promise.all([
            assumed.catch((error: { code?: string }) => {
              throw error.code === TenantContext.NO_ROLE_SQLSTATE
                ? new Refused(401, "not a member of this organization")
                : error;
            }),
            page,
          ]);
          if (took?.role === undefined) throw new ContextRejected(organizationId);
          return rows;
        },
        { claims: { userId } },
      );
      // `Pagination.fromRows` and the `Document` schema's fields, in its order.
      const items = rows.slice(0, limit).map((row) => ({
        id: row.id,
        title: row.title,
        content: row.content,
        status: row.status,
        authorId: row.author_id,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }));
      const last = items.at(-1);
      return Response.json({ items, nextCursor: rows.length > limit && last !== undefined ? last.id : null });
    } catch (error) {
      return error instanceof Refused ? refuse(error.status, error.message) : refuse(500, "internal error");
    }
  };
};

interface BunServer {
  readonly stop: (closeActiveConnections?: boolean) => Promise<void>;
}

/** Bun's server API, typed here for the one call made (the package compiles with Node's types). */
interface BunRuntime {
  readonly serve: (options: {
    readonly port: number;
    readonly hostname: string;
    readonly fetch: (request: Request) => Promise<Response>;
  }) => BunServer;
}

/** The server, its pool closed with it; Bun only (the bench's child process runs under Bun). */
export const layer = (options: Options): Layer.Layer<never> =>
  Layer.scopedDiscard(
    Effect.acquireRelease(
      Effect.sync(() => {
        const bun = (globalThis as { readonly Bun?: BunRuntime }).Bun;
        if (bun === undefined) throw new Error("the minimal server runs under Bun");
        const sql = postgres(options.databaseUrl, {
          max: options.poolMax,
          onnotice: () => {},
          connection: { application_name: "beep" },
        });
        const server = bun.serve({ port: options.port, hostname: "127.0.0.1", fetch: handler(options, sql) });
        return { server, sql };
      }),
      ({ server, sql }) => Effect.promise(() => server.stop(true).then(() => sql.end())),
    ),
  );
