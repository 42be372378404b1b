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
