import { MigratedDatabase, layer as migratedDatabase } from "@beep/db-admin/testing";
import type { Db, TenantDb } from "@beep/shared-server";
import { HttpServer } from "@effect/platform";
import { Context, Effect, Layer, Redacted } from "effect";
import * as RequestLog from "../../src/RequestLog.ts";
import * as Server from "../../src/Server.ts";
import * as Token from "../../src/Token.ts";

export const AUTH_SECRET = "test-secret-that-is-at-least-32-characters";

export interface TestServerInfo {
  readonly baseUrl: string;
  /** Superuser URL of the server's database: for checking what it holds, bypassing the API and RLS. */
  readonly adminUrl: string;
  /** Every request log line the server wrote, parsed. */
  readonly logs: Array<RequestLog.RequestLine>;
}

/** The real server on a free port of 127.0.0.1. */
export class TestServer extends Context.Tag("test/TestServer")<TestServer, TestServerInfo>() {}

/** Serves the app over `database`, with its request log captured in memory. */
export const serve = (
  database: Layer.Layer<Db.Db | TenantDb.TenantDb, unknown>,
  adminUrl: string,
  options: Pick<Server.ListenOptions, "drainDeadline"> = {},
) => {
  const logs: Array<RequestLog.RequestLine> = [];
  return Layer.effect(
    TestServer,
    Effect.map(HttpServer.HttpServer, ({ address }) => ({
      baseUrl: `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}`,
      adminUrl,
      logs,
    })),
  ).pipe(
    Layer.provide(
      Server.layer({ ...options, port: 0, host: "127.0.0.1" }).pipe(
        Layer.provide(database),
        Layer.provide(Token.layer(Redacted.make(AUTH_SECRET))),
        Layer.provide(Layer.succeed(RequestLog.LogSink, (line: string) => logs.push(JSON.parse(line)))),
      ),
    ),
  );
};

/** The server on a fresh migrated database, connected as `beep_app` (RLS applies to it). */
export const layer = Layer.unwrapEffect(
  Effect.gen(function* () {
    const db = yield* MigratedDatabase;
    return serve(Server.database(db.appUrl, db.contextKey), db.adminUrl);
  }),
).pipe(Layer.provide(migratedDatabase));
