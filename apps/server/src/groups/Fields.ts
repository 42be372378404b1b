import { Schema } from "effect";

/**
 * Field schemas shared by the groups. Each one carries its own `jsonSchema` annotation: without it the OpenAPI
 * document would name Effect's internal schemas (`Trim`, `DateFromString`, `Int`) or show filter titles
 * (`maxLength(500)`) instead of plain JSON Schema keywords. `test/OpenApi.test.ts` checks the document.
 */

/** A JSON body that names a field the endpoint does not know is refused, not silently ignored. */
export const strict = { parseOptions: { onExcessProperty: "error" as const } };

/** Trimmed, then 1 to `maxLength` characters. */
export const Text = (field: string, maxLength: number) =>
  Schema.Trim.pipe(
    Schema.minLength(1, { message: () => `${field} must not be empty` }),
    Schema.maxLength(maxLength, { message: () => `${field} must be at most ${maxLength} characters` }),
  ).annotations({
    jsonSchema: {
      type: "string",
      minLength: 1,
      maxLength,
      description: "Surrounding whitespace is trimmed; must not be empty after trimming",
    },
  });

/** Any text, at most `maxLength` characters (not trimmed). */
export const LongText = (field: string, maxLength: number) =>
  Schema.String.pipe(
    Schema.maxLength(maxLength, { message: () => `${field} must be at most ${maxLength} characters` }),
  ).annotations({ jsonSchema: { type: "string", maxLength } });

export const Email = Schema.Trim.pipe(
  Schema.compose(Schema.Lowercase),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "email must be an email address" }),
  Schema.maxLength(320, { message: () => "email must be at most 320 characters" }),
).annotations({
  jsonSchema: {
    type: "string",
    format: "email",
    maxLength: 320,
    description: "An email address; trimmed and lower-cased before use",
  },
});

/** A whole number of at least `minimum`: `integer` in the document. */
export const Integer = (minimum: number, description: string) =>
  Schema.Number.pipe(Schema.int(), Schema.greaterThanOrEqualTo(minimum)).annotations({
    jsonSchema: { type: "integer", minimum, description },
  });

/** A `Date` in the handlers, an ISO 8601 string (`toISOString`, UTC) on the wire. */
export const Timestamp = Schema.Date.annotations({
  identifier: "Timestamp",
  jsonSchema: { type: "string", format: "date-time", description: "An ISO 8601 date-time in UTC" },
});
