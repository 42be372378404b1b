import { randomBytes } from "node:crypto";
import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { Data, Effect, Option, Redacted } from "effect";
import * as Sql from "./internal/sql.ts";
import { MigrationUnavailable } from "./MigrationErrors.ts";

/**
 * The key the policies check tenant tickets with. `db:migrate` puts `BEEP_CONTEXT_KEY` into the database (as
 * HMAC pads, in a table only the owner and `beep_admin` read); the server signs with the same value.
 */

/** No key is configured and the database has none: the policies could accept no ticket. */
export class ContextKeyMissing extends Data.TaggedError("ContextKeyMissing")<Record<never, never>> {
  override get message() {
    return "BEEP_CONTEXT_KEY is not set and the database has no context key: set it (for example `openssl rand -base64 32`) for db:migrate and the server alike";
  }
}

/** True when the database already has a context key (false too before the migrations created its table). */
export const isInstalled = (url: string): Effect.Effect<boolean, MigrationUnavailable> =>
  Sql.use(
    url,
    async (sql) => {
      const [row] = await sql.unsafe(
        `SELECT to_regclass('${TenantContext.PRIVATE_SCHEMA}.context_key') IS NOT NULL AS present`,
      );
      if (row?.present !== true) return false;
      const [count] = await sql.unsafe(`SELECT count(*)::int AS n FROM ${TenantContext.PRIVATE_SCHEMA}.context_key`);
      return Number(count?.n ?? 0) > 0;
    },
    (cause) => new MigrationUnavailable({ cause }),
  );

export type InstallResult = "installed" | "changed" | "unchanged" | "kept";

/** A fresh random key, as `dev` makes for its embedded database. */
export const generate = (): string => randomBytes(32).toString("base64url");

/**
 * Installs `key` (as the owner), or, with none given, keeps the one the database has. `changed` means servers
 * still signing with the old key fail until they restart with the new one.
 */
export const install = (
  url: string,
  key: Option.Option<Redacted.Redacted<string>>,
): Effect.Effect<InstallResult, ContextKeyMissing | MigrationUnavailable> =>
  Effect.flatMap(
    Sql.use(
      url,
      async (sql): Promise<InstallResult | "missing"> => {
        const [existing] = await sql.unsafe(
          `SELECT count(*)::int AS n FROM ${TenantContext.PRIVATE_SCHEMA}.context_key`,
        );
        const had = Number(existing?.n ?? 0) > 0;
        if (Option.isNone(key)) return had ? "kept" : "missing";
        const { inner, outer } = ContextTicket.pads(Redacted.value(key.value));
        const changed = await sql.unsafe(ContextTicket.INSTALL_KEY_SQL, [inner, outer]);
        return changed.length === 0 ? "unchanged" : had ? "changed" : "installed";
      },
      (cause) => new MigrationUnavailable({ cause }),
    ),
    (result) => (result === "missing" ? Effect.fail(new ContextKeyMissing()) : Effect.succeed(result)),
  );

/** One line for `db:migrate`'s output, or none when nothing changed. */
export const describe = (result: InstallResult): string | undefined =>
  ({
    installed: "installed the context key (BEEP_CONTEXT_KEY)",
    changed: "changed the context key: restart every server with the new BEEP_CONTEXT_KEY",
    unchanged: undefined,
    kept: "BEEP_CONTEXT_KEY is not set: kept the context key the database has",
  })[result];

/** A node of the cluster could not be given the key: tickets would fail on its shards. */
export class KeyNotOnWorkers extends Data.TaggedError("KeyNotOnWorkers")<{
  readonly node: string;
  readonly reason: string;
}> {
  override get message() {
    return `could not put the context key on ${this.node}: ${this.reason}`;
  }
}

/**
 * On Citus, the check functions run on the workers too (in the shards' policies), where the key's table is not
 * distributed: each worker gets its own copy of the table, then of the coordinator's row. Idempotent; a worker added later gets it on the next run. Returns how many workers' keys it changed.
 */
export const copyToWorkers = (
  url: string,
  adminRole: string,
): Effect.Effect<number, KeyNotOnWorkers | MigrationUnavailable> =>
  Effect.flatMap(
    Sql.use(
      url,
      async (sql) => {
        const table = `${TenantContext.PRIVATE_SCHEMA}.context_key`;
        const [key] = await sql.unsafe(
          `SELECT encode(inner_pad, 'hex') AS inner, encode(outer_pad, 'hex') AS outer FROM ${table} WHERE id = 1`,
        );
        if (key === undefined) return { changed: 0, failed: [] };
        const tableSql = [
          ContextTicket.KEY_TABLE_SQL.replace(/;$/, ""),
          `REVOKE ALL ON TABLE ${table} FROM PUBLIC`,
          `GRANT SELECT ON TABLE ${table} TO "${adminRole}"`,
        ].join("; ");
        const upsert = `INSERT INTO ${table} AS k (id, inner_pad, outer_pad) VALUES (1, '\\x${key.inner}', '\\x${key.outer}')
           ON CONFLICT (id) DO UPDATE SET inner_pad = excluded.inner_pad, outer_pad = excluded.outer_pad, updated_at = now()
           WHERE k.inner_pad IS DISTINCT FROM excluded.inner_pad OR k.outer_pad IS DISTINCT FROM excluded.outer_pad`;
        const created = await sql`select nodename, nodeport, success, result from run_command_on_workers(${tableSql})`;
        const rows = created.some((row) => row.success !== true)
          ? created
          : await sql`select nodename, nodeport, success, result from run_command_on_workers(${upsert})`;
        return {
          // The upsert's tag: INSERT 0 1 when the row was written, INSERT 0 0 when it was already there.
          changed: rows.filter((row) => row.success === true && row.result === "INSERT 0 1").length,
          failed: rows
            .filter((row) => row.success !== true)
            .map((row) => ({ node: `${row.nodename}:${row.nodeport}`, reason: String(row.result) })),
        };
      },
      (cause) => new MigrationUnavailable({ cause }),
    ),
    ({ changed, failed }) => {
      const first = failed[0];
      return first === undefined ? Effect.succeed(changed) : Effect.fail(new KeyNotOnWorkers(first));
    },
  );
