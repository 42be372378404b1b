import { EmbeddedPostgres } from "@beep/testkit";
import { assert } from "@effect/vitest";
import { SignJWT } from "jose";
import { type Run, within } from "./DevProcess.ts";

/** What the tests of `bun run start` give it as AUTH_SECRET: tokens they sign with it are accepted. */
export const AUTH_SECRET = "a-start-test-secret-of-at-least-32-characters";

/** The line `bun run start` prints once it listens, with its base URL. */
export const LISTENING = /beep start: listening on (http:\/\/\S+)/;

/**
 * Everything `bun run start` needs to serve `database` (a migrated database and its runtime login) on a free
 * port of 127.0.0.1; `overrides` replace or (undefined) remove.
 */
export const startEnv = async (
  database: { readonly appUrl: string; readonly contextKey: string },
  overrides: Record<string, string | undefined> = {},
): Promise<Record<string, string>> => {
  const env: Record<string, string | undefined> = {
    PORT: String(await EmbeddedPostgres.freePort()),
    HOST: "127.0.0.1",
    AUTH_SECRET,
    APP_DATABASE_URL: database.appUrl,
    BEEP_CONTEXT_KEY: database.contextKey,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
};

/** Sends `signal` and waits for the exit; its code. */
export const stopServer = async (run: Run, signal: NodeJS.Signals = "SIGTERM") => {
  run.child.kill(signal);
  return within(run.exited, 30_000, `start did not exit after ${signal}:\n${run.output()}`);
};

/** A token as an operator signs one: HS256 with `secret`, the user as subject, the organization as `org_id`. */
export const signToken = (userId: string, organizationId: string, secret: string) =>
  new SignJWT({ org_id: organizationId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(secret));

let signups = 0;

/** A new user and organization through `POST /v1/signup` of the server at `baseUrl`. */
export const signup = async (baseUrl: string, organizationName: string) => {
  signups += 1;
  const response = await fetch(`${baseUrl}/v1/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      email: `owner${signups}-${Date.now()}@start.example`,
      name: `${organizationName} owner`,
      organizationName,
    }),
  });
  assert.strictEqual(response.status, 201);
  const { userId, organizationId } = (await response.json()) as { userId: string; organizationId: string };
  return { userId, organizationId };
};
