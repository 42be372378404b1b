import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { TestDatabase, Testkit } from "@beep/testkit";
import { Context, Effect, Layer, Option, Redacted } from "effect";
import * as AppRole from "../AppRole.ts";
import * as ContextKey from "../ContextKey.ts";
import * as Migrator from "../Migrator.ts";

export interface MigratedDatabaseInfo {
  /** Superuser connection to the fresh, migrated database (owner of every table). */
  readonly adminUrl: string;
  /** The runtime role `beep_app`: not superuser, not BYPASSRLS, owns nothing. */
  readonly appUrl: string;
  readonly name: string;
  /** This database's own context key: what a runtime signs tenant tickets with. */
  readonly contextKey: string;
}

/** A fresh database per test file, migrated, with `beep_app` able to log in. */
export class MigratedDatabase extends Context.Tag("@beep/db-admin/MigratedDatabase")<
  MigratedDatabase,
  MigratedDatabaseInfo
>() {}

export const APP_PASSWORD = "beep_app_test";

const prepare = (database: TestDatabase.TestDatabaseInfo) =>
  Effect.gen(function* () {
    yield* Migrator.migrate({ url: database.url });
    const contextKey = ContextKey.generate();
    yield* ContextKey.install(database.url, Option.some(Redacted.make(contextKey)));
    const appUrl = yield* AppRole.provision(database.url, APP_PASSWORD);
    return { adminUrl: database.url, appUrl, name: database.name, contextKey };
  });

export const layer: Layer.Layer<MigratedDatabase, unknown> = Layer.effect(
  MigratedDatabase,
  Effect.flatMap(TestDatabase.TestDatabase, prepare),
).pipe(Layer.provide(Testkit.database));

/** A fresh migrated database as a plain async helper, for tests that need several; `drop` removes it. */
export const create = async (): Promise<MigratedDatabaseInfo & { readonly drop: () => Promise<void> }> => {
  const database = await Testkit.createDatabase();
  try {
    const info = await Effect.runPromise(prepare(database));
    return { ...info, drop: database.drop };
  } catch (cause) {
    await database.drop();
    throw cause;
  }
};

/**
 * The statement that enters a tenant in a test's own transaction on `beep_app` (what `TenantDb` does), with a
 * ticket signed by `contextKey`: `await tx.unsafe(...enter(key, org))`.
 */
export const enter = (contextKey: string, organizationId: string, userId?: string): [string, Array<string>] => [
  "select set_config($1, $2, true)",
  [TenantContext.SETTING, ContextTicket.signer(contextKey)({ organizationId, userId })],
];
