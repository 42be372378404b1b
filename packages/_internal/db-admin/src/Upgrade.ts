import { Effect, Option, Redacted } from "effect";
import * as AppRole from "./AppRole.ts";
import * as AuditEvent from "./AuditEvent.ts";
import * as Cluster from "./Cluster.ts";
import * as ContextKey from "./ContextKey.ts";
import type { MigrationFailed, MigrationUnavailable } from "./MigrationErrors.ts";
import * as Migrator from "./Migrator.ts";
import * as RoleRights from "./RoleRights.ts";
import { APP_ROLE, isRoleStatement } from "./Roles.ts";

export interface UpgradeOptions {
  /** The migrator: the owner of the tables (a superuser, or on managed PostgreSQL the database's owner). */
  readonly url: string;
  /** `BEEP_CONTEXT_KEY`; none keeps the database's. */
  readonly contextKey: Option.Option<Redacted.Redacted<string>>;
  /** `BEEP_APP_PASSWORD`: the runtime role's password, set when logging in with it does not already work. */
  readonly appPassword?: Option.Option<Redacted.Redacted<string>> | undefined;
  /** On Citus: shards per table distributed by this run (Citus's default when unset). */
  readonly shardCount?: number | undefined;
  /** Each step, one line each. */
  readonly log?: ((line: string) => Effect.Effect<void>) | undefined;
}

export interface UpgradeResult extends Migrator.MigrateResult {
  /** Audit partitions created for the coming months. */
  readonly partitions: ReadonlyArray<string>;
  readonly contextKey: ContextKey.InstallResult;
  /** What happened to the runtime role's password; `none` when no password was given. */
  readonly appPassword: "set" | "unchanged" | "none";
  /** What was done for Citus; undefined without the extension. */
  readonly cluster: Cluster.SettleResult | undefined;
}

/**
 * What `db:migrate` does: check that the migrator may do what the roles need (else fail, naming what an operator
 * must run), apply pending migrations, install the context key, set the runtime role's password when one is
 * given, keep the audit trail's partitions ready for the current month and the next ones, and on Citus settle the
 * cluster (distribution, shard policies, the key on every node).
 */
export type UpgradeError =
  | MigrationFailed
  | MigrationUnavailable
  | ContextKey.ContextKeyMissing
  | RoleRights.RolesNeedOperator
  | Cluster.ClusterError;

export const run = (options: UpgradeOptions): Effect.Effect<UpgradeResult, UpgradeError> =>
  Effect.gen(function* () {
    const { url, contextKey } = options;
    const log = options.log ?? (() => Effect.void);
    const appPassword = options.appPassword ?? Option.none();
    // Checked first, so that a missing key or a missing right stops the run before it changes anything.
    if (Option.isNone(contextKey) && !(yield* ContextKey.isInstalled(url))) {
      return yield* new ContextKey.ContextKeyMissing();
    }
    const pending = yield* Migrator.pendingStatements(url);
    yield* RoleRights.require(url, {
      settingAppPassword: Option.isSome(appPassword),
      creatingRoles: pending.some(isRoleStatement),
    });
    const result = yield* Migrator.migrate({ url });
    for (const tag of result.applied) yield* log(`applied ${tag}`);
    if (result.applied.length === 0) {
      yield* log(`nothing to migrate: all ${result.alreadyApplied} migrations were already applied`);
    }
    const key = yield* ContextKey.install(url, contextKey);
    const keyLine = ContextKey.describe(key);
    if (keyLine !== undefined) yield* log(keyLine);
    const password = Option.isSome(appPassword)
      ? yield* AppRole.setPassword(url, Redacted.value(appPassword.value))
      : ("none" as const);
    if (password === "set") yield* log(`set ${APP_ROLE}'s password (BEEP_APP_PASSWORD)`);
    if (password === "unchanged") yield* log(`${APP_ROLE} already logs in with BEEP_APP_PASSWORD: left as it is`);
    const partitions = yield* AuditEvent.ensurePartitions(url);
    for (const partition of partitions) yield* log(`created partition ${partition}`);
    const cluster = yield* Cluster.settle(url, { shardCount: options.shardCount, log });
    return { ...result, partitions, contextKey: key, appPassword: password, cluster };
  });
