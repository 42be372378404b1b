import * as HttpApiSchema from "@effect/platform/HttpApiSchema";
import { Schema } from "effect";

/** Missing, malformed, expired or forged credentials, or a user who is not a member of the token's organization. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401, description: "Missing, invalid or expired bearer token" }),
) {}

/** Well-formed credentials, but the caller's role may not do this to a resource it can see. */
export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 403, description: "The caller's role may not do this" }),
) {}

/** The request is missing something it needs that no schema can say (e.g. which organization it acts in). */
export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400 }),
) {}

/** Not found, or belongs to another organization: the two are indistinguishable on purpose. */
export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { message: Schema.String },
  HttpApiSchema.annotations({
    status: 404,
    description: "Not found; another organization's resources are not found either",
  }),
) {}

export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  { message: Schema.String },
  HttpApiSchema.annotations({
    status: 409,
    description: "Conflicts with the current state; retry or change the request",
  }),
) {}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 413, description: "The request body is larger than 1 MiB" }),
) {}

/** A request body that is not JSON (`application/json` or a `+json` type): refused before it is read. */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 415, description: "The request body is not JSON" }),
) {}

/** The database cannot be reached or did not answer in time. */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "The database is unreachable or did not answer in time" }),
) {}

export const notFound = (entity: string) => new NotFound({ message: `${entity} not found` });
