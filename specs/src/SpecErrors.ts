import { Data } from "effect";

/** A spec's README has no `| Phase | Status |` table, so no phase has a status. */
export class StatusTableMissing extends Data.TaggedError("StatusTableMissing")<{ readonly file: string }> {
  override get message() {
    return `${this.file}: no status table (a markdown table with "Phase" and "Status" columns)`;
  }
}

export class InvalidStatusRow extends Data.TaggedError("InvalidStatusRow")<{
  readonly file: string;
  readonly line: number;
  readonly detail: string;
}> {
  override get message() {
    return `${this.file}:${this.line}: ${this.detail}`;
  }
}

export class CheckpointWithoutPhase extends Data.TaggedError("CheckpointWithoutPhase")<{
  readonly file: string;
  readonly line: number;
}> {
  override get message() {
    return `${this.file}:${this.line}: checkpoint block has no phase; add "phase=P<n>" to its info string or put it under a heading naming the phase`;
  }
}

export class CheckpointNotShell extends Data.TaggedError("CheckpointNotShell")<{
  readonly file: string;
  readonly line: number;
  readonly lang: string;
}> {
  override get message() {
    return `${this.file}:${this.line}: checkpoint block is "${this.lang}"; checkpoints are \`\`\`sh checkpoint blocks`;
  }
}

export class PhaseNotInStatusTable extends Data.TaggedError("PhaseNotInStatusTable")<{
  readonly file: string;
  readonly line: number;
  readonly phase: string;
}> {
  override get message() {
    return `${this.file}:${this.line}: checkpoint of phase ${this.phase}, which the spec's README status table does not list`;
  }
}

export class NestedVerify extends Data.TaggedError("NestedVerify")<{ readonly variable: string }> {
  override get message() {
    return `specs:verify is already running (${this.variable} is set: a checkpoint started it again); a checkpoint must not call specs:verify`;
  }
}

export class InvalidSpecName extends Data.TaggedError("InvalidSpecName")<{
  readonly name: string;
  readonly reason: string;
}> {
  override get message() {
    return `Invalid spec name "${this.name}": ${this.reason}`;
  }
}

export class SpecAlreadyExists extends Data.TaggedError("SpecAlreadyExists")<{ readonly path: string }> {
  override get message() {
    return `A spec already exists at ${this.path}; choose another name (nothing was changed)`;
  }
}

export class FileSystemError extends Data.TaggedError("FileSystemError")<{
  readonly path: string;
  readonly cause: unknown;
}> {
  override get message() {
    return `${this.path}: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`;
  }
}

export class UnknownSpec extends Data.TaggedError("UnknownSpec")<{
  readonly name: string;
  readonly known: ReadonlyArray<string>;
}> {
  override get message() {
    return `No spec named "${this.name}"; specs: ${this.known.join(", ") || "(none)"}`;
  }
}

/** A `complete` phase that nothing proves: no checkpoint of that phase in any of the spec's files. */
export class CompletePhaseWithoutCheckpoint extends Data.TaggedError("CompletePhaseWithoutCheckpoint")<{
  readonly spec: string;
  readonly phase: string;
  readonly file: string;
  readonly line: number;
}> {
  override get message() {
    return `${this.file}:${this.line}: ${this.spec} ${this.phase} is complete but has no \`\`\`sh checkpoint block; add one under a "${this.phase}" heading of MASTER_ORCHESTRATION.md`;
  }
}

/** A `complete` phase whose REFLECTION_LOG.md has no `## P<n> ...` entry: the next session cannot learn from it. */
export class CompletePhaseWithoutReflection extends Data.TaggedError("CompletePhaseWithoutReflection")<{
  readonly spec: string;
  readonly phase: string;
  readonly file: string;
}> {
  override get message() {
    return `${this.file}: ${this.spec} ${this.phase} is complete but the log has no "## ${this.phase} ..." entry; append one (what worked, what did not, what was learned, open items)`;
  }
}

/** A `complete` phase whose own handoff still says it is planned or in progress. */
export class StaleHandoff extends Data.TaggedError("StaleHandoff")<{
  readonly spec: string;
  readonly phase: string;
  readonly file: string;
  readonly line: number;
  readonly says: string;
}> {
  override get message() {
    return `${this.file}:${this.line}: ${this.spec} ${this.phase} is complete but its handoff says "Status: ${this.says}"; update the handoff to what the phase built`;
  }
}

/** A template placeholder left in a checkpoint, a spec's goal or its status table (or the specs index). */
export class TemplatePlaceholder extends Data.TaggedError("TemplatePlaceholder")<{
  readonly spec: string;
  readonly phase: string | undefined;
  readonly file: string;
  readonly line: number;
  readonly what: string;
}> {
  override get message() {
    const phase = this.phase === undefined ? "" : ` ${this.phase}`;
    return `${this.file}:${this.line}: ${this.spec}${phase}: ${this.what} is still the template's placeholder; replace it`;
  }
}

/** A spec folder that the specs index (`specs/README.md`) does not list. */
export class SpecNotIndexed extends Data.TaggedError("SpecNotIndexed")<{
  readonly spec: string;
  readonly file: string;
}> {
  override get message() {
    return `${this.file}: the spec table has no row for ${this.spec}; add "| [${this.spec}](${this.spec}/README.md) | <goal> |"`;
  }
}

/** The specs index (`specs/README.md`) has no `| spec | goal |` table for `spec:new` to add a row to. */
export class SpecIndexTableMissing extends Data.TaggedError("SpecIndexTableMissing")<{ readonly file: string }> {
  override get message() {
    return `${this.file}: no "| spec | goal |" table to add the new spec to (nothing was changed)`;
  }
}
