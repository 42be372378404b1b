import { HttpServerRequest } from "@effect/platform";
import { Effect, Layer, Redacted } from "effect";
import { Unauthorized } from "../ApiErrors.ts";
import { Authentication } from "../Authentication.ts";
import * as RequestLog from "../RequestLog.ts";
import { Tokens } from "../Token.ts";

const BEARER = /^Bearer [A-Za-z0-9._~+/=-]+$/;

export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.map(Tokens, (tokens) => ({
    bearer: (token: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest;
        const header = request.headers.authorization;
        if (header === undefined || header === "") {
          return yield* new Unauthorized({ message: "missing bearer token" });
        }
        if (!BEARER.test(header)) {
          return yield* new Unauthorized({ message: "authorization header must be 'Bearer <token>'" });
        }
        const session = yield* tokens
          .verify(Redacted.value(token))
          .pipe(Effect.mapError((error) => new Unauthorized({ message: error.reason })));
        yield* RequestLog.annotateOrganization(session.organizationId);
        return session;
      }),
  })),
);
