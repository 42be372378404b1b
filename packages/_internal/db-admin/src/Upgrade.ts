import { Effect } from "effect";
import * as AuditEvent from "./AuditEvent.ts";
import type { MigrationFailed, MigrationUnavailable } from "./MigrationErrors.ts";
import * as Migrator from "./Migrator.ts";

export interface UpgradeResult extends Migrator.MigrateResult {
  /** Audit partitions created for the coming months. */
  readonly partitions: ReadonlyArray<string>;
}

/**
 * What `db:migrate` does: apply pending migrations, then keep the audit trail's partitions ready for the
 * current month and the next ones. Reports each step through `log`, one line each.
 */
export const run = (
  url: string,
  log: (line: string) => Effect.Effect<void> = () => Effect.void,
): Effect.Effect<UpgradeResult, MigrationFailed | MigrationUnavailable> =>
  Effect.gen(function* () {
    const result = yield* Migrator.migrate({ url });
    for (const tag of result.applied) yield* log(`applied ${tag}`);
    if (result.applied.length === 0) {
      yield* log(`nothing to migrate: all ${result.alreadyApplied} migrations were already applied`);
    }
    const partitions = yield* AuditEvent.ensurePartitions(url);
    for (const partition of partitions) yield* log(`created partition ${partition}`);
    return { ...result, partitions };
  });
