import { Effect, Option, type Redacted } from "effect";
import * as AuditEvent from "./AuditEvent.ts";
import * as ContextKey from "./ContextKey.ts";
import type { MigrationFailed, MigrationUnavailable } from "./MigrationErrors.ts";
import * as Migrator from "./Migrator.ts";

export interface UpgradeResult extends Migrator.MigrateResult {
  /** Audit partitions created for the coming months. */
  readonly partitions: ReadonlyArray<string>;
  readonly contextKey: ContextKey.InstallResult;
}

/**
 * What `db:migrate` does: apply pending migrations, install the context key (`BEEP_CONTEXT_KEY`; none given
 * keeps the database's), then keep the audit trail's partitions ready for the current month and the next ones.
 * Reports each step through `log`, one line each.
 */
export const run = (
  url: string,
  contextKey: Option.Option<Redacted.Redacted<string>>,
  log: (line: string) => Effect.Effect<void> = () => Effect.void,
): Effect.Effect<UpgradeResult, MigrationFailed | MigrationUnavailable | ContextKey.ContextKeyMissing> =>
  Effect.gen(function* () {
    // Checked first, so that a missing key stops the run before it changes anything.
    if (Option.isNone(contextKey) && !(yield* ContextKey.isInstalled(url))) {
      return yield* new ContextKey.ContextKeyMissing();
    }
    const result = yield* Migrator.migrate({ url });
    for (const tag of result.applied) yield* log(`applied ${tag}`);
    if (result.applied.length === 0) {
      yield* log(`nothing to migrate: all ${result.alreadyApplied} migrations were already applied`);
    }
    const key = yield* ContextKey.install(url, contextKey);
    const keyLine = ContextKey.describe(key);
    if (keyLine !== undefined) yield* log(keyLine);
    const partitions = yield* AuditEvent.ensurePartitions(url);
    for (const partition of partitions) yield* log(`created partition ${partition}`);
    return { ...result, partitions, contextKey: key };
  });
