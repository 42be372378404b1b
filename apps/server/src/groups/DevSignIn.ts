import { SharedEntityIds } from "@beep/shared-domain";
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint";
import * as HttpApiGroup from "@effect/platform/HttpApiGroup";
import * as OpenApi from "@effect/platform/OpenApi";
import { Schema } from "effect";
import { Email, strict, Text, Timestamp } from "./Fields.ts";

export const DevSignInRequest = Schema.Struct({
  email: Email,
  name: Schema.optional(Text("name", 200)),
}).annotations({ identifier: "DevSignInRequest", ...strict });
export type DevSignInRequest = typeof DevSignInRequest.Type;

export const DevToken = Schema.Struct({
  token: Schema.String,
  expiresAt: Timestamp,
  userId: SharedEntityIds.UserId.schema,
}).annotations({ identifier: "DevToken" });
export type DevToken = typeof DevToken.Type;

const Jwk = Schema.Record({ key: Schema.String, value: Schema.Unknown });
export const Jwks = Schema.Struct({ keys: Schema.Array(Jwk) }).annotations({ identifier: "Jwks" });

/** Only in `bun run dev` without an identity provider: `DevApi` has it, `Api` (what `bun run start` serves) does not. */
export class DevSignInGroup extends HttpApiGroup.make("devSignIn")
  .add(
    HttpApiEndpoint.post("signIn", "/sign-in")
      .setPayload(DevSignInRequest)
      .addSuccess(DevToken)
      .annotate(OpenApi.Summary, "Sign in as anyone with a verified email (development only): a dev issuer's token"),
  )
  .add(
    HttpApiEndpoint.get("jwks", "/jwks")
      .addSuccess(Jwks)
      .annotate(OpenApi.Summary, "The dev issuer's public key (development only)"),
  )
  .prefix("/v1/dev")
  .annotate(OpenApi.Title, "Dev sign-in")
  .annotate(
    OpenApi.Description,
    "Development only (`bun run dev` with no identity provider configured): tokens of the dev server's own issuer, verified like an identity provider's. Use the token with `X-Organization-Id`.",
  ) {}
