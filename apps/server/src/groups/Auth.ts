import { SharedEntityIds } from "@beep/shared-domain";
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint";
import * as HttpApiGroup from "@effect/platform/HttpApiGroup";
import * as OpenApi from "@effect/platform/OpenApi";
import { Schema } from "effect";
import { NotFound } from "../ApiErrors.ts";
import { Authentication } from "../Authentication.ts";
import { Email, strict, Text, Timestamp } from "./Fields.ts";

export const SignupRequest = Schema.Struct({
  email: Email,
  name: Text("name", 200),
  organizationName: Text("organizationName", 200),
}).annotations({ identifier: "SignupRequest", ...strict });
export type SignupRequest = typeof SignupRequest.Type;

export const TokenRequest = Schema.Struct({ organizationId: SharedEntityIds.OrganizationId.schema }).annotations({
  identifier: "TokenRequest",
  ...strict,
});
export type TokenRequest = typeof TokenRequest.Type;

export const IssuedToken = Schema.Struct({
  token: Schema.String,
  expiresAt: Timestamp,
  userId: SharedEntityIds.UserId.schema,
  organizationId: SharedEntityIds.OrganizationId.schema,
}).annotations({ identifier: "IssuedToken" });
export type IssuedToken = typeof IssuedToken.Type;

/** Signing up needs no token; exchanging one does. */
export class SignupGroup extends HttpApiGroup.make("signup")
  .add(
    HttpApiEndpoint.post("signup", "/signup")
      .setPayload(SignupRequest)
      .addSuccess(IssuedToken, { status: 201 })
      .annotate(OpenApi.Summary, "Sign up")
      .annotate(OpenApi.Description, "Creates a user, an organization and the owner membership; returns a token"),
  )
  .annotate(OpenApi.Title, "Signup")
  .annotate(OpenApi.Description, "Creating an account and its first organization; no token needed") {}

export class TokensGroup extends HttpApiGroup.make("tokens")
  .add(
    HttpApiEndpoint.post("exchange", "/tokens")
      .setPayload(TokenRequest)
      .addSuccess(IssuedToken, { status: 201 })
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Exchange a token")
      .annotate(OpenApi.Description, "Exchanges a valid token for one of another organization the user belongs to"),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Tokens")
  .annotate(OpenApi.Description, "Bearer tokens: one organization per token") {}
