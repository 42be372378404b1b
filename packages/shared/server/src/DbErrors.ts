import { TenantContext } from "@beep/shared-tables";
import { Data } from "effect";

/** A tenant write found no organization in its transaction: it ran outside `TenantDb.withOrg`. */
export class TenantContextMissing extends Data.TaggedError("TenantContextMissing")<{
  readonly detail: string;
}> {
  override get message() {
    return `no tenant context: ${this.detail}`;
  }
}

/**
 * The organization id is not a well-formed `shared_organization__<uuid v7>`, or is the shared organization's
 * (`TenantContext.SHARED_ORGANIZATION_ID`), which no tenant runs as; no SQL was sent.
 */
export class InvalidOrganizationId extends Data.TaggedError("InvalidOrganizationId")<{
  /** The rejected input, cut to 80 characters. */
  readonly input: string;
  readonly reason: string;
}> {
  override get message() {
    return `invalid organization id ${JSON.stringify(this.input)}: ${this.reason}`;
  }
}

/** The database refused the statement for this tenant: a row-level security check or a cross-tenant reference. */
export class TenantAccessDenied extends Data.TaggedError("TenantAccessDenied")<{
  readonly detail: string;
  /** SQLSTATE when the database raised it (42501, 23503); absent when the runtime refused before SQL. */
  readonly code?: string;
  readonly constraint?: string;
}> {
  override get message() {
    return `tenant access denied: ${this.detail}`;
  }
}

/**
 * The context's user holds no role in its organization (no membership), so the database re-signed nothing
 * (`TenantTx.assumeHeldRole`); the unit was rolled back.
 */
export class NoTenantRole extends Data.TaggedError("NoTenantRole")<{
  readonly detail: string;
}> {
  override get message() {
    return `no role in the organization: ${this.detail}`;
  }
}

/** The database could not be reached, or the connection was lost; the transaction did not commit. */
export class DatabaseUnavailable extends Data.TaggedError("DatabaseUnavailable")<{
  readonly detail: string;
  readonly code?: string;
}> {
  override get message() {
    return `database unavailable: ${this.detail}`;
  }
}

/** A statement ran past `statement_timeout` (or was cancelled) and was stopped by the server. */
export class QueryTimeout extends Data.TaggedError("QueryTimeout")<{
  readonly detail: string;
}> {
  override get message() {
    return `query timed out: ${this.detail}`;
  }
}

/** A unique constraint refused the row (SQLSTATE 23505). */
export class UniqueViolation extends Data.TaggedError("UniqueViolation")<{
  readonly detail: string;
  readonly constraint?: string;
}> {
  override get message() {
    return `unique violation${this.constraint === undefined ? "" : ` (${this.constraint})`}: ${this.detail}`;
  }
}

/** Any other database error, with its SQLSTATE. */
export class QueryFailed extends Data.TaggedError("QueryFailed")<{
  readonly code: string;
  readonly detail: string;
}> {
  override get message() {
    return `query failed (${this.code}): ${this.detail}`;
  }
}

/** Every error a statement can end in, after mapping. */
export type DbError =
  | TenantContextMissing
  | TenantAccessDenied
  | NoTenantRole
  | DatabaseUnavailable
  | QueryTimeout
  | UniqueViolation
  | QueryFailed;

interface ErrorFields {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly constraint_name?: unknown;
  readonly column_name?: unknown;
  readonly cause?: unknown;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

// postgres.js' own connection errors and Node's socket errors: the server is gone or unreachable.
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

const isUnavailableSqlState = (code: string) =>
  code.startsWith("08") || // connection exception
  code.startsWith("57P") || // admin/crash shutdown, cannot connect now
  code.startsWith("28") || // authentication failed
  code === "53300" || // too many connections
  code === "3D000"; // database does not exist

const isDbError = (value: unknown): value is DbError =>
  value instanceof TenantContextMissing ||
  value instanceof TenantAccessDenied ||
  value instanceof NoTenantRole ||
  value instanceof DatabaseUnavailable ||
  value instanceof QueryTimeout ||
  value instanceof UniqueViolation ||
  value instanceof QueryFailed;

/** The innermost error that carries a code: Drizzle wraps the driver's error in its own. */
const unwrap = (cause: unknown): unknown => {
  let current = cause;
  for (let depth = 0; depth < 5; depth++) {
    if (isDbError(current)) return current;
    const fields = current as ErrorFields | null;
    if (fields === null || typeof fields !== "object") return current;
    if (typeof fields.code === "string") return current;
    if (fields.cause === undefined) return current;
    current = fields.cause;
  }
  return current;
};

/** True when the connection that produced `error` can no longer be used. */
export const isConnectionLoss = (error: DbError): boolean => error._tag === "DatabaseUnavailable";

/** The one place driver errors become typed errors. */
export const fromCause = (cause: unknown): DbError => {
  const inner = unwrap(cause);
  if (isDbError(inner)) return inner;
  const fields = (typeof inner === "object" && inner !== null ? inner : {}) as ErrorFields;
  const code = typeof fields.code === "string" ? fields.code : undefined;
  const detail = typeof fields.message === "string" ? fields.message : String(inner);
  const constraint = typeof fields.constraint_name === "string" ? fields.constraint_name : undefined;
  if (code === undefined) return new QueryFailed({ code: "unknown", detail });
  if (CONNECTION_CODES.has(code)) return new DatabaseUnavailable({ detail, code });
  if (!SQLSTATE.test(code)) return new QueryFailed({ code, detail });
  if (code === "42501" || code === "23503") {
    return new TenantAccessDenied({ detail, code, ...(constraint === undefined ? {} : { constraint }) });
  }
  if (code === TenantContext.NO_ROLE_SQLSTATE) return new NoTenantRole({ detail });
  if (code === "23502" && fields.column_name === "organization_id") {
    return new TenantContextMissing({ detail });
  }
  // Citus refuses these before any policy runs: a row with no tenant (the column's default found no context) in
  // the distribution column, and a row moved to another organization.
  if (code === "22004" && detail.includes("NULL in the partition column")) return new TenantContextMissing({ detail });
  if (code === "0A000" && detail.includes("modifying the partition value")) {
    return new TenantAccessDenied({ detail, code });
  }
  if (code === "23505") return new UniqueViolation({ detail, ...(constraint === undefined ? {} : { constraint }) });
  if (code === "57014") return new QueryTimeout({ detail });
  if (isUnavailableSqlState(code)) return new DatabaseUnavailable({ detail, code });
  return new QueryFailed({ code, detail });
};
