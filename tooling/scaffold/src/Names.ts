import { EntityId } from "@beep/shared-domain";
import { Effect } from "effect";
import { InvalidName } from "./ScaffoldErrors.ts";

const SNAKE_CASE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/** `document_file` → `DocumentFile`. */
export const pascal = (name: string): string =>
  name
    .split("_")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");

/** `document_file` → `documentFile`. */
export const camel = (name: string): string => {
  const value = pascal(name);
  return value.charAt(0).toLowerCase() + value.slice(1);
};

/** A slice or entity name: lowercase snake_case. */
export const snakeCase = (name: string): Effect.Effect<string, InvalidName> =>
  SNAKE_CASE.test(name)
    ? Effect.succeed(name)
    : Effect.fail(new InvalidName({ name, reason: "expected lowercase snake_case (a-z, 0-9, _)" }));

/** The SQL name of `<slice>_<entity>`, checked by the rule `EntityId.make` applies (and its length limit). */
export const tableName = (slice: string, entity: string): Effect.Effect<string, InvalidName> =>
  Effect.gen(function* () {
    yield* snakeCase(slice);
    yield* snakeCase(entity);
    const name = `${slice}_${entity}`;
    return yield* Effect.try({
      try: () => {
        EntityId.validateTableName(name);
        return name;
      },
      catch: (cause) =>
        new InvalidName({ name, reason: cause instanceof EntityId.InvalidTableName ? cause.reason : String(cause) }),
    });
  });
