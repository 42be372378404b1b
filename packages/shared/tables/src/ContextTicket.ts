import { createHash, createHmac } from "node:crypto";
import { Data } from "effect";
import {
  ASSUME_ROLE,
  CURRENT_ORG_ID_FOR,
  CURRENT_USER_ID_FOR,
  ENTER_TENANT,
  NO_ROLE_SQLSTATE,
  PRIVATE_SCHEMA,
  SCHEMA,
  SETTING,
} from "./TenantContext.ts";

/**
 * The signed ticket that carries the tenant context, signed here (the runtime) and checked in SQL (the
 * policies), both from this one definition:
 *
 *   v1:<organization>:<user>:<role>:<expires, ms since epoch, 16 digits>:<HMAC-SHA256, hex>
 *
 * The MAC covers everything before it. The key (`BEEP_CONTEXT_KEY`) is hashed to 32 bytes; the database keeps
 * only its HMAC pads, in a table the runtime role cannot read, and checks tickets with built-in `sha256`: no
 * extension. Expiry is compared with the transaction's start (`now()`), so a ticket stays good for the whole
 * transaction it was made for, and is useless soon after.
 */
export const VERSION = "v1";

/** How long a ticket made by the runtime stays valid: long enough for clock skew, short enough to be useless later. */
export const DEFAULT_TTL_MS = 60_000;

/**
 * How far ahead of the database's clock a ticket's expiry may be: its lifetime plus this much clock skew. A server
 * whose clock runs ahead cannot mint longer-lived tickets; one ahead by more is refused outright.
 */
export const MAX_CLOCK_SKEW_MS = 300_000;

/** Keys shorter than this are refused: the key is all that stands between a tenant and the others. */
export const MIN_KEY_LENGTH = 32;

export interface Claims {
  readonly organizationId: string;
  readonly userId?: string | undefined;
  readonly role?: string | undefined;
}

/** A claim that cannot go in a ticket (a separator, or nothing where an organization is needed). */
export class InvalidClaims extends Data.TaggedError("InvalidClaims")<{ readonly reason: string }> {
  override get message() {
    return `invalid tenant context: ${this.reason}`;
  }
}

/** `BEEP_CONTEXT_KEY` is missing or too short. */
export class InvalidContextKey extends Data.TaggedError("InvalidContextKey")<{ readonly reason: string }> {
  override get message() {
    return `BEEP_CONTEXT_KEY ${this.reason}`;
  }
}

const BLOCK = 64;

/** The 32-byte HMAC key a configured key stands for. */
export const keyBytes = (key: string): Buffer => {
  if (key.length < MIN_KEY_LENGTH) {
    throw new InvalidContextKey({ reason: `must be at least ${MIN_KEY_LENGTH} characters (got ${key.length})` });
  }
  return createHash("sha256").update(key, "utf8").digest();
};

/** HMAC's inner and outer pads of a key: what the database stores, so that SQL needs no XOR. */
export const pads = (key: string): { readonly inner: Buffer; readonly outer: Buffer } => {
  const padded = Buffer.alloc(BLOCK);
  keyBytes(key).copy(padded);
  return {
    inner: Buffer.from(padded.map((byte) => byte ^ 0x36)),
    outer: Buffer.from(padded.map((byte) => byte ^ 0x5c)),
  };
};

const field = (name: string, value: string | undefined) => {
  if (value !== undefined && /[:\0]/.test(value)) throw new InvalidClaims({ reason: `${name} contains ":" or NUL` });
  return value ?? "";
};

/** A signer for one key: the key is hashed once, each ticket costs one HMAC. */
export const signer = (key: string) => {
  const secret = keyBytes(key);
  return (claims: Claims, nowMs: number = Date.now(), ttlMs: number = DEFAULT_TTL_MS): string => {
    // A user's own context (their user row, their memberships) names no organization: tenant rows stay invisible.
    if (claims.organizationId === "" && (claims.userId ?? "") === "") {
      throw new InvalidClaims({ reason: "no organization and no user" });
    }
    const body = [
      VERSION,
      field("organization", claims.organizationId),
      field("user", claims.userId),
      field("role", claims.role),
      String(Math.floor(nowMs + ttlMs)).padStart(16, "0"),
    ].join(":");
    return `${body}:${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
  };
};

/** The ticket's claims in SQL, by position: 2 organization, 3 user, 4 role. */
const CLAIM_FIELDS = { current_org_id: 2, current_user_id: 3, current_role: 4 } as const;

const nowMsSql = (plusMs: number) =>
  `pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + ${plusMs})::text, 16, '0')`;

/**
 * `t` is a well-signed ticket, unexpired at the transaction's start and not claiming more than its lifetime (plus
 * skew): the same HMAC as `signer`, with the stored pads. Expiries are 16-digit text, compared without a cast, so
 * a forged field is a mismatch, never an error. No ticket, or no key, is NULL: a mismatch too.
 */
const validTicketSql = (
  inner: string,
  outer: string,
) => `pg_catalog.encode(pg_catalog.sha256(${outer} || pg_catalog.sha256(${inner} || pg_catalog.convert_to(pg_catalog.left(t, -65), 'UTF8'))), 'hex') = pg_catalog.right(t, 64)
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" > ${nowMsSql(0)}
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" <= ${nowMsSql(DEFAULT_TTL_MS + MAX_CLOCK_SKEW_MS)}`;

/**
 * A SECURITY DEFINER function returning text, its search_path pinned (what db:verify checks of every one). A check
 * only reads (STABLE, parallel safe); one that sets the ticket is VOLATILE, and not parallel safe.
 */
const definerHead = (
  name: string,
  parameters: string,
  language: "sql" | "plpgsql",
  volatility: "STABLE" | "VOLATILE",
) =>
  `CREATE OR REPLACE FUNCTION ${name}(${parameters})
RETURNS text
LANGUAGE ${language} ${volatility} SECURITY DEFINER${volatility === "STABLE" ? " PARALLEL SAFE" : ""}
SET search_path = pg_catalog, pg_temp
AS $fn$`;

/** What every check function is: its signature, language and the attributes db:verify checks. */
const checkFunctionHead = (name: string, byRole: boolean, language: "sql" | "plpgsql") =>
  definerHead(name, byRole ? "VARIADIC roles text[]" : "", language, "STABLE");

/** A PL/pgSQL function's view of the ticket and the key: declared, then read, the same in every function. */
const TICKET_DECLARATIONS = `  t text := pg_catalog.current_setting('${SETTING}', true);
  ipad bytea;
  opad bytea;`;
const READ_KEY = `  SELECT k.inner_pad, k.outer_pad INTO ipad, opad FROM ${PRIVATE_SCHEMA}.context_key AS k WHERE k.id = 1;`;

/** The ticket's role is one of the function's arguments. */
const roleTest = (byRole: boolean) => (byRole ? "\n    AND pg_catalog.split_part(t, ':', 4) = ANY (roles)" : "");

/**
 * A check function: the claim at `field` of a valid ticket, else NULL; with `byRole`, only when the ticket's role
 * is one of its arguments.
 * STABLE: once per statement where the planner can (index conditions), never trusted to be more.
 * SECURITY DEFINER: it reads the key as its owner; search_path pinned, so callers cannot shadow anything.
 * PL/pgSQL, not SQL: it keeps its plan for the session, where a SQL function's body is set up again on every
 * statement (a third of each check's cost; a write checks several times: specs/runtime-speed, outputs/profile.md).
 */
const checkFunctionSql = (name: string, field: number, byRole = false) => `${checkFunctionHead(name, byRole, "plpgsql")}
DECLARE
${TICKET_DECLARATIONS}
BEGIN
${READ_KEY}
  IF ${validTicketSql("ipad", "opad")}${roleTest(byRole)} THEN
    RETURN NULLIF(pg_catalog.split_part(t, ':', ${field}), '');
  END IF;
  RETURN NULL;
END
$fn$;`;

/**
 * The check functions as the `tenant_context` and `tenant_roles` migrations wrote them (SQL), kept so those
 * migrations stay what the code renders; `context_checks` replaces them.
 */
const sqlCheckFunctionSql = (name: string, field: number, byRole = false) => `${checkFunctionHead(name, byRole, "sql")}
  SELECT NULLIF(pg_catalog.split_part(t, ':', ${field}), '')
  FROM (SELECT pg_catalog.current_setting('${SETTING}', true) AS t) AS ticket, ${PRIVATE_SCHEMA}.context_key AS k
  WHERE k.id = 1
    AND ${validTicketSql("k.inner_pad", "k.outer_pad")}${roleTest(byRole)}
$fn$;`;

const claimFunctionSql = (name: keyof typeof CLAIM_FIELDS, render = checkFunctionSql) =>
  render(`${SCHEMA}.${name}`, CLAIM_FIELDS[name]);

/**
 * `beep.enter_tenant(org, user[, role])`: signs a ticket in the database for the rest of the transaction. SECURITY
 * INVOKER: only roles that can read the key (superusers, `beep_admin`) can call it; then `SET LOCAL ROLE beep_app`
 * sees exactly that tenant, as that role. The first version (0003) took no role.
 */
const enterTenantSql = (
  withRole: boolean,
) => `CREATE OR REPLACE FUNCTION ${ENTER_TENANT}(organization_id text, user_id text DEFAULT NULL${withRole ? ", role text DEFAULT NULL" : ""})
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  body text;
  k record;
BEGIN
  IF organization_id IS NULL OR organization_id = '' OR organization_id ~ '[:]' OR coalesce(user_id, '') ~ '[:]'${withRole ? " OR coalesce(role, '') ~ '[:]'" : ""} THEN
    RAISE EXCEPTION 'enter_tenant: invalid organization${withRole ? ", user or role" : " or user id"}' USING ERRCODE = '22023';
  END IF;
  SELECT inner_pad, outer_pad INTO k FROM ${PRIVATE_SCHEMA}.context_key WHERE id = 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'enter_tenant: no context key: run db:migrate with BEEP_CONTEXT_KEY' USING ERRCODE = '55000';
  END IF;
  body := '${VERSION}:' || organization_id || ':' || coalesce(user_id, '') || ':${withRole ? "' || coalesce(role, '') || ':" : ":"}' ||
    lpad(((date_part('epoch', now()) * 1000)::bigint + ${DEFAULT_TTL_MS})::text, 16, '0');
  PERFORM set_config('${SETTING}', body || ':' || encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(body, 'UTF8'))), 'hex'), true);
  RETURN organization_id;
END
$fn$;`;

/** The key's table: only the owner writes it, only the owner and the admin role read it. */
export const KEY_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${PRIVATE_SCHEMA}.context_key (
	id integer PRIMARY KEY CHECK (id = 1),
	inner_pad bytea NOT NULL CHECK (length(inner_pad) = ${BLOCK}),
	outer_pad bytea NOT NULL CHECK (length(outer_pad) = ${BLOCK}),
	updated_at timestamp with time zone DEFAULT now() NOT NULL
);`;

/** Everything the context needs in a database: schemas, the key's table, the check functions, their grants. */
export const migrationStatements = (roles: { readonly app: string; readonly admin: string }): ReadonlyArray<string> => [
  `CREATE SCHEMA IF NOT EXISTS ${SCHEMA};`,
  `CREATE SCHEMA IF NOT EXISTS ${PRIVATE_SCHEMA};`,
  `REVOKE ALL ON SCHEMA ${PRIVATE_SCHEMA} FROM PUBLIC;`,
  KEY_TABLE_SQL,
  `REVOKE ALL ON TABLE ${PRIVATE_SCHEMA}.context_key FROM PUBLIC;`,
  claimFunctionSql("current_org_id", sqlCheckFunctionSql),
  claimFunctionSql("current_user_id", sqlCheckFunctionSql),
  enterTenantSql(false),
  `REVOKE ALL ON SCHEMA ${SCHEMA} FROM PUBLIC;`,
  `GRANT USAGE ON SCHEMA ${SCHEMA} TO PUBLIC;`,
  ...[`${SCHEMA}.current_org_id()`, `${SCHEMA}.current_user_id()`].map(
    (fn) => `GRANT EXECUTE ON FUNCTION ${fn} TO PUBLIC;`,
  ),
  `REVOKE ALL ON FUNCTION ${ENTER_TENANT}(text, text) FROM PUBLIC;`,
  `GRANT EXECUTE ON FUNCTION ${ENTER_TENANT}(text, text) TO "${roles.admin}";`,
  `GRANT USAGE ON SCHEMA ${PRIVATE_SCHEMA} TO "${roles.admin}";`,
  `GRANT SELECT ON TABLE ${PRIVATE_SCHEMA}.context_key TO "${roles.admin}";`,
];

/**
 * `beep.current_org_id_for(VARIADIC roles)`: the current organization when the ticket's role is one of `roles`, else
 * NULL. What per-role policies compare `organization_id` with: like the tenant policy's `current_org_id()`, an
 * index condition computed once per scan, estimated like it, and no subquery (Citus refuses those in policies).
 */
const orgForRolesSql = checkFunctionSql(CURRENT_ORG_ID_FOR, CLAIM_FIELDS.current_org_id, true);

/**
 * `beep.current_user_id_for(VARIADIC roles)`: the current user when the ticket's role is one of `roles`, else NULL.
 * A grant to a role on the caller's own rows tests both with one check (`"author_id" = ...`), where the role test and
 * `current_user_id()` took two, per row.
 */
const userForRolesSql = checkFunctionSql(CURRENT_USER_ID_FOR, CLAIM_FIELDS.current_user_id, true);

/**
 * The role claim, checked like the others (`beep.current_role()`, `beep.current_org_id_for(roles)`), and
 * `enter_tenant` with a role: what databases migrated before roles existed gain (the `tenant_roles` migration).
 */
export const roleStatements = (roles: { readonly admin: string }): ReadonlyArray<string> => [
  claimFunctionSql("current_role", sqlCheckFunctionSql),
  `GRANT EXECUTE ON FUNCTION ${SCHEMA}.current_role() TO PUBLIC;`,
  sqlCheckFunctionSql(CURRENT_ORG_ID_FOR, CLAIM_FIELDS.current_org_id, true),
  `GRANT EXECUTE ON FUNCTION ${CURRENT_ORG_ID_FOR}(text[]) TO PUBLIC;`,
  `DROP FUNCTION IF EXISTS ${ENTER_TENANT}(text, text);`,
  enterTenantSql(true),
  `REVOKE ALL ON FUNCTION ${ENTER_TENANT}(text, text, text) FROM PUBLIC;`,
  `GRANT EXECUTE ON FUNCTION ${ENTER_TENANT}(text, text, text) TO "${roles.admin}";`,
];

/**
 * Every check function as it is now (PL/pgSQL), and `current_user_id_for`: what databases migrated with the SQL
 * versions gain (the `context_checks` migration). Same names, same answers.
 */
export const checkStatements = (): ReadonlyArray<string> => [
  claimFunctionSql("current_org_id"),
  claimFunctionSql("current_user_id"),
  claimFunctionSql("current_role"),
  orgForRolesSql,
  userForRolesSql,
  `GRANT EXECUTE ON FUNCTION ${CURRENT_USER_ID_FOR}(text[]) TO PUBLIC;`,
];

/** The table that records each person's role in an organization, as `OrgTable.make` declared it. */
export interface RoleSource {
  readonly table: string;
  readonly userColumn: string;
  readonly roleColumn: string;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * `beep.assume_role()` over `source` (none declared: it finds no role). From a valid ticket naming an organization
 * and a user but no role, it reads that user's row in that organization (both filtered here: an owner that is a
 * superuser reads past RLS) and sets a ticket with its role for the rest of the transaction, with the verified
 * ticket's expiry. No valid ticket, or no role held, raises `NO_ROLE_SQLSTATE`: the transaction is aborted, so
 * nothing sent behind the call runs. `SET LOCAL` through EXECUTE, not `set_config`: on Citus only that reaches the workers (the
 * prelude propagates SET LOCAL); the function's own `SET search_path` clause confines that setting alone. A ticket
 * that already carries a role is refused (42501): the function adds a role, it never swaps one.
 */
export const assumeRoleStatements = (source: RoleSource | undefined): ReadonlyArray<string> => {
  const lookup =
    source === undefined
      ? "held := NULL;"
      : `SELECT r.${quoteIdent(source.roleColumn)} INTO held FROM public.${quoteIdent(source.table)} AS r
    WHERE r.organization_id = pg_catalog.split_part(t, ':', 2) AND r.${quoteIdent(source.userColumn)} = pg_catalog.split_part(t, ':', 3);`;
  return [
    `${definerHead(ASSUME_ROLE, "", "plpgsql", "VOLATILE")}
DECLARE
${TICKET_DECLARATIONS}
  held text;
  body text;
BEGIN
${READ_KEY}
  IF NOT coalesce(${validTicketSql("ipad", "opad")}, false)
    OR pg_catalog.split_part(t, ':', 2) = '' OR pg_catalog.split_part(t, ':', 3) = '' THEN
    RAISE EXCEPTION 'assume_role: the context names no organization and user' USING ERRCODE = '${NO_ROLE_SQLSTATE}';
  END IF;
  IF pg_catalog.split_part(t, ':', 4) <> '' THEN
    RAISE EXCEPTION 'assume_role: the context already carries a role' USING ERRCODE = '42501';
  END IF;
  ${lookup}
  IF held IS NULL OR held = '' OR pg_catalog.strpos(held, ':') > 0 THEN
    RAISE EXCEPTION 'assume_role: the user holds no role in this organization' USING ERRCODE = '${NO_ROLE_SQLSTATE}';
  END IF;
  body := '${VERSION}:' || pg_catalog.split_part(t, ':', 2) || ':' || pg_catalog.split_part(t, ':', 3) || ':' || held || ':' || pg_catalog.split_part(t, ':', 5);
  EXECUTE 'SET LOCAL ${SETTING} TO ' || pg_catalog.quote_literal(body || ':' || pg_catalog.encode(pg_catalog.sha256(opad || pg_catalog.sha256(ipad || pg_catalog.convert_to(body, 'UTF8'))), 'hex'));
  RETURN held;
END
$fn$;`,
    `GRANT EXECUTE ON FUNCTION ${ASSUME_ROLE}() TO PUBLIC;`,
  ];
};

/** Upserts the key's pads (as the owner); a no-op when they are already these. Returns whether it changed. */
export const INSTALL_KEY_SQL = `INSERT INTO ${PRIVATE_SCHEMA}.context_key AS k (id, inner_pad, outer_pad) VALUES (1, $1, $2)
ON CONFLICT (id) DO UPDATE SET inner_pad = excluded.inner_pad, outer_pad = excluded.outer_pad, updated_at = now()
WHERE k.inner_pad IS DISTINCT FROM excluded.inner_pad OR k.outer_pad IS DISTINCT FROM excluded.outer_pad
RETURNING 1 AS changed`;
