import { Duration, Effect } from "effect";
import postgres from "postgres";
import { TestServer } from "./TestServer.ts";

export interface Reply {
  readonly status: number;
  readonly body: any;
}

export interface RequestOptions {
  readonly token?: string;
  readonly body?: unknown;
  /** Sent as is (not JSON-encoded). */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

export interface ReplyWithHeaders extends Reply {
  readonly headers: Headers;
}

/** One HTTP request to the test server: status, headers and parsed JSON (or text) back. */
export const callWithHeaders = (method: string, path: string, options: RequestOptions = {}) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(async (): Promise<ReplyWithHeaders> => {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      if (body !== undefined) headers["content-type"] ??= "application/json";
      const response = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      const { status } = response;
      try {
        return { status, headers: response.headers, body: text === "" ? null : JSON.parse(text) };
      } catch {
        return { status, headers: response.headers, body: text };
      }
    }),
  );

/** One HTTP request to the test server: status and parsed JSON (or text) back. */
export const call = (method: string, path: string, options: RequestOptions = {}) =>
  Effect.map(callWithHeaders(method, path, options), ({ status, body }): Reply => ({ status, body }));

/** `call`, and how long the answer took, in milliseconds. */
export const timedCall = (method: string, path: string, options: RequestOptions = {}) =>
  Effect.map(Effect.timed(callWithHeaders(method, path, options)), ([elapsed, reply]) => ({
    ...reply,
    ms: Duration.toMillis(elapsed),
  }));

export interface Tenant {
  readonly token: string;
  readonly userId: string;
  readonly organizationId: string;
}

let signups = 0;

/** A new user and organization through the API itself. */
export const signup = (organizationName: string) =>
  Effect.gen(function* () {
    signups += 1;
    const email = `owner${signups}-${Date.now()}@${organizationName.toLowerCase().replace(/\W/g, "")}.example`;
    const reply = yield* call("POST", "/v1/signup", {
      body: { email, name: `${organizationName} owner`, organizationName },
    });
    if (reply.status !== 201)
      return yield* Effect.die(new Error(`signup failed: ${reply.status} ${JSON.stringify(reply.body)}`));
    return reply.body as Tenant;
  });

/** A query as the superuser, to check what the database holds independently of the API and RLS. */
export const adminQuery = <T extends Record<string, unknown>>(text: string, parameters: ReadonlyArray<unknown> = []) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(async () => {
      const sql = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
      try {
        return (await sql.unsafe(text, parameters as Array<never>)) as unknown as Array<T>;
      } finally {
        await sql.end();
      }
    }),
  );

export const count = (table: string, where = "true", parameters: ReadonlyArray<unknown> = []) =>
  Effect.map(
    adminQuery<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`, parameters),
    (rows) => rows[0]?.n ?? -1,
  );
