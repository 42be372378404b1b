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
