import { Data } from "effect";

/** A migration statement failed; the whole run was rolled back, so the database is as it was. */
export class MigrationFailed extends Data.TaggedError("MigrationFailed")<{
  readonly migration: string;
  readonly statement: string;
  readonly cause: unknown;
}> {
  override get message() {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause);
    return `migration ${this.migration} failed (nothing was applied): ${reason}\n  in: ${this.statement.slice(0, 300)}`;
  }
}

/** The database could not be reached or the migration bookkeeping could not be read. */
export class MigrationUnavailable extends Data.TaggedError("MigrationUnavailable")<{
  readonly cause: unknown;
}> {
  override get message() {
    return `cannot migrate: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`;
  }
}
