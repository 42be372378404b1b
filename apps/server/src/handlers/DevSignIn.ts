import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import { Effect } from "effect";
import { DevApi } from "../DevApi.ts";
import { DevIssuer } from "../DevIssuer.ts";

export const DevSignInLive = HttpApiBuilder.group(DevApi, "devSignIn", (handlers) =>
  Effect.map(DevIssuer, (issuer) =>
    handlers
      .handle("signIn", ({ payload }) => issuer.signIn(payload))
      .handle("jwks", () => Effect.succeed({ keys: issuer.jwks.keys.map((key) => ({ ...key })) })),
  ),
);
