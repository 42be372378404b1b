import type { TenantTx } from "@beep/shared-server";
import type { TenantRole } from "@beep/shared-tables";
import { Effect } from "effect";
import { Unauthorized } from "./ApiErrors.ts";

/** Checks an API key in the request's transaction and returns its role; records its use. */
export const authorize = (_apiKey: {
  readonly id: string;
  readonly secretHash: string;
}): Effect.Effect<TenantRole.Role, Unauthorized, TenantTx.TenantTx> =>
  Effect.fail(new Unauthorized({ message: "API keys are not enabled" }));
