import { Schema } from "effect";

/** A JSON body that names a field the endpoint does not know is refused, not silently ignored. */
export const strict = { parseOptions: { onExcessProperty: "error" as const } };

export const Text = (field: string, maxLength: number) =>
  Schema.Trim.pipe(
    Schema.minLength(1, { message: () => `${field} must not be empty` }),
    Schema.maxLength(maxLength, { message: () => `${field} must be at most ${maxLength} characters` }),
  );

export const Email = Schema.Trim.pipe(
  Schema.compose(Schema.Lowercase),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "email must be an email address" }),
  Schema.maxLength(320, { message: () => "email must be at most 320 characters" }),
);

export const Timestamp = Schema.Date.annotations({ description: "ISO 8601 date-time" });
