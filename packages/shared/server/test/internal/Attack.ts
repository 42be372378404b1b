import { Registry } from "@beep/db-admin";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { drizzle } from "drizzle-orm/postgres-js";
import { Effect } from "effect";
import postgres from "postgres";
import type { Drizzle } from "../../src/Db.ts";
import * as SystemDb from "../../src/SystemDb.ts";
import * as TenantDb from "../../src/TenantDb.ts";
import * as TenantTx from "../../src/TenantTx.ts";
import * as Organizations from "./Organizations.ts";
import * as Seed from "./Seed.ts";

/**
 * Helpers for the attack tests (Forging, Annexation, SessionState): raw connections as `beep_app`, statements
 * whose failure is an outcome rather than an aborted transaction, and one seeded row per tenant table.
 */

type Loose = any;
export type Row = Record<string, unknown>;

/** Every tenant table's SQL name, from the registry: a new table is covered without editing a list. */
export const tenantTableNames: ReadonlyArray<string> = Registry.tenantTables.map(
  (entry) => getTableConfig(entry.table).name,
);

/** A unique owner for `Organizations.create`. */
export const owner = (tag: string) => ({
  email: `${tag}-${Math.random().toString(36).slice(2)}@example.com`,
  name: `${tag} owner`,
});

/** Two organizations made the way the application makes them, with their owners. */
export const twoOrganizations = Effect.gen(function* () {
  const a = yield* Organizations.create({ name: "A", owner: owner("a") });
  const b = yield* Organizations.create({ name: "B", owner: owner("b") });
  return { A: a.organizationId, ownerA: a.ownerId, memberA: a.membershipId, B: b.organizationId, ownerB: b.ownerId };
});

/** A raw postgres.js client on `url` with one connection, closed with the scope: what injected SQL runs on. */
export const rawClient = (url: string) =>
  Effect.acquireRelease(
    Effect.sync(() => postgres(url, { max: 1, onnotice: () => {} })),
    (client) => Effect.promise(() => client.end({ timeout: 5 })),
  );

/** Drizzle over one postgres.js transaction (the way the runtime binds Drizzle to its reserved connection). */
export const drizzleOver = (client: postgres.Sql, tx: postgres.TransactionSql): Drizzle =>
  drizzle({ client: { options: client.options, unsafe: tx.unsafe.bind(tx) } as unknown as postgres.Sql }) as Drizzle;

/** Who the connection is: the attacks are only meaningful as a role that neither is superuser nor bypasses RLS. */
export const whoAmI = async (sql: postgres.Sql | postgres.TransactionSql) => {
  const [row] = await sql`select current_user as role, r.rolsuper as super, r.rolbypassrls as bypass
    from pg_catalog.pg_roles r where r.rolname = current_user`;
  return { role: row?.role as string, super: row?.super as boolean, bypass: row?.bypass as boolean };
};

export type Outcome =
  | { readonly ok: true; readonly rows: ReadonlyArray<Row>; readonly count: number }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Runs one statement in a savepoint: a refusal is an outcome, and the transaction goes on. */
export const attempt = async (
  tx: postgres.TransactionSql,
  statement: string,
  params: ReadonlyArray<unknown> = [],
): Promise<Outcome> => {
  try {
    const rows = (await tx.savepoint((sp) => sp.unsafe(statement, params as Array<never>))) as unknown as Array<Row> & {
      count: number;
    };
    return { ok: true, rows: [...rows], count: rows.count };
  } catch (error) {
    const fields = error as { code?: unknown; message?: unknown };
    return {
      ok: false,
      code: typeof fields.code === "string" ? fields.code : "unknown",
      message: typeof fields.message === "string" ? fields.message : String(error),
    };
  }
};

export const show = (outcome: Outcome) =>
  outcome.ok
    ? `${outcome.count} rows ${JSON.stringify(outcome.rows).slice(0, 200)}`
    : `${outcome.code} ${outcome.message}`;

/** `'...'` for SQL that cannot take parameters (SET, DO). */
export const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** The user a row names, when it names one: the unit that writes it acts as that user. */
const actorOf = (row: Row): string | undefined => (typeof row.userId === "string" ? row.userId : undefined);

/**
 * One row in every tenant table for `organizationId`, parents first, written through the runtime as that
 * organization's owner (global rows it needs, users, by the system role). Returns the rows by table name.
 */
export const seedEveryTable = (organizationId: string) =>
  Effect.gen(function* () {
    const parents = new Map<PgTable, Row>();
    const byName = new Map<string, Row>();
    for (const entry of Seed.tenantTables()) {
      const planned = Seed.planRow(entry, parents);
      parents.set(entry.table, planned.row);
      byName.set(entry.name, planned.row);
      for (const global of planned.globals) {
        yield* SystemDb.transaction(SystemDb.use((db) => db.insert(global.table).values(global.row as Loose)));
      }
      yield* TenantDb.withContext({ organizationId, userId: actorOf(planned.row), role: "owner" })(
        TenantTx.use((db) => db.insert(entry.table).values(planned.row as Loose)),
      );
    }
    return byName;
  });
