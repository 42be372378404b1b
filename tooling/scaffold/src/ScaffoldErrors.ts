import { Data } from "effect";

/** A slice, entity or table name the generators refuse (not snake_case, or a table name too long). */
export class InvalidName extends Data.TaggedError("InvalidName")<{
  readonly name: string;
  readonly reason: string;
}> {
  override get message() {
    return `Invalid name "${this.name}": ${this.reason}`;
  }
}

/** What a generator would write is already there: nothing was written. */
export class AlreadyExists extends Data.TaggedError("AlreadyExists")<{
  readonly what: string;
  readonly path: string;
}> {
  override get message() {
    return `${this.what} already exists (${this.path}): nothing was written`;
  }
}

/** `table:new` names no slice: `packages/<slice>/tables` lacks its ids module, `src/tables/index.ts` or `./schema` export. */
export class UnknownSlice extends Data.TaggedError("UnknownSlice")<{
  readonly slice: string;
  readonly expected: string;
}> {
  override get message() {
    return `Unknown slice "${this.slice}": expected ${this.expected} (bun run slice:new ${this.slice} makes one)`;
  }
}

/** Arguments that do not make sense together (`--mode none` without `--reason`, an unknown mode, ...). */
export class BadArguments extends Data.TaggedError("BadArguments")<{
  readonly detail: string;
}> {
  override get message() {
    return this.detail;
  }
}

export type ScaffoldError = InvalidName | AlreadyExists | UnknownSlice | BadArguments;
