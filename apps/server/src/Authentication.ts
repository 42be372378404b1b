import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform";
import { Unauthorized } from "./ApiErrors.ts";
import { CurrentSession } from "./CurrentSession.ts";

/** `Authorization: Bearer <jwt>`: verifies the token and provides the caller's session. */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@beep/server/Authentication", {
  failure: Unauthorized,
  provides: CurrentSession,
  security: { bearer: HttpApiSecurity.bearer },
}) {}
