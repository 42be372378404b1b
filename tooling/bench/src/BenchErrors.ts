import { Data } from "effect";

const reasonOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/** An operation of a variant failed: a benchmark of failing work measures nothing, so the run stops. */
export class OperationFailed extends Data.TaggedError("OperationFailed")<{
  readonly variant: string;
  readonly cause: unknown;
}> {
  override get message() {
    return `"${this.variant}" failed: ${reasonOf(this.cause)}`;
  }
}

/** The PostgreSQL server could not be started, reached, or prepared (databases, roles, migrations). */
export class DatabaseUnavailable extends Data.TaggedError("DatabaseUnavailable")<{
  readonly step: string;
  readonly cause: unknown;
}> {
  override get message() {
    return `PostgreSQL is not usable (${this.step}): ${reasonOf(this.cause)}`;
  }
}

/** Building the data set failed; the bench databases are dropped, nothing else was touched. */
export class LoadFailed extends Data.TaggedError("LoadFailed")<{
  readonly step: string;
  readonly cause: unknown;
}> {
  override get message() {
    return `loading the data set failed (${this.step}): ${reasonOf(this.cause)}`;
  }
}

/** The report could not be written. */
export class ReportFailed extends Data.TaggedError("ReportFailed")<{
  readonly path: string;
  readonly cause: unknown;
}> {
  override get message() {
    return `cannot write ${this.path}: ${reasonOf(this.cause)}`;
  }
}

/** A comparison ran but produced no figure for a target: the harness is broken, whatever the speed. */
export class NoFigures extends Data.TaggedError("NoFigures")<{
  readonly targets: ReadonlyArray<string>;
}> {
  override get message() {
    return `no figure was measured for: ${this.targets.join("; ")}`;
  }
}

/** A server process of the HTTP comparison did not start or did not answer. */
export class HttpServerFailed extends Data.TaggedError("HttpServerFailed")<{
  readonly variant: string;
  readonly cause: unknown;
}> {
  override get message() {
    return `the ${this.variant} HTTP server failed: ${reasonOf(this.cause)}`;
  }
}
