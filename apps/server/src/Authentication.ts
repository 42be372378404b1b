import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware";
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity";
import { Schema } from "effect";
import { BadRequest, ServiceUnavailable, Unauthorized } from "./ApiErrors.ts";
import { CurrentSession } from "./CurrentSession.ts";

/**
 * `Authorization: Bearer <credential>`: an API key, an identity provider's token or an HS256 token; verifies it
 * and provides the caller's session. A malformed `X-Organization-Id` is 400; an identity provider whose keys
 * cannot be fetched is 503.
 */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@beep/server/Authentication", {
  failure: Schema.Union(Unauthorized, BadRequest, ServiceUnavailable),
  provides: CurrentSession,
  security: { bearer: HttpApiSecurity.bearer },
}) {}
