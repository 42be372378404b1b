import { citusCluster, layerOn, MigratedDatabase, layer as migratedDatabase } from "@beep/db-admin/testing";
import type { Db, TenantDb } from "@beep/shared-server";
import type { Testkit } from "@beep/testkit";
import * as HttpServer from "@effect/platform/HttpServer";
import { Clock, Context, Effect, Layer, Redacted } from "effect";
import type * as HealthCheck from "../../src/HealthCheck.ts";
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

/**
 * Serves the app over `database`, with its request log captured in memory; what `database` provides (the
 * server's own pools) is in the context too. Each server is built in a memo map of its own: two servers of one
 * test file (one `it.layer` after another) must not share `HttpApiBuilder`'s router. It runs on the live clock,
 * whatever the test's: the server's deadlines (`/health`'s) are real time.
 */
export const serve = (
  database: Layer.Layer<Db.Db | TenantDb.TenantDb | HealthCheck.HealthDb, unknown>,
  adminUrl: string,
  options: Omit<Server.ListenOptions, "port" | "host"> = {},
) =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const logs: Array<RequestLog.RequestLine> = [];
      const scope = yield* Effect.scope;
      const pools = yield* Layer.buildWithScope(database, scope);
      // Built after the pools, so closed before them.
      const server = yield* Layer.buildWithScope(
        Server.layer({ ...options, port: 0, host: "127.0.0.1" }).pipe(
          Layer.provide(Layer.succeedContext(pools)),
          Layer.provide(Token.layer(Redacted.make(AUTH_SECRET))),
          Layer.provide(Layer.succeed(RequestLog.LogSink, (line: string) => logs.push(JSON.parse(line)))),
        ),
        scope,
      );
      const { address } = Context.get(server, HttpServer.HttpServer);
      const info: TestServerInfo = {
        baseUrl: `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}`,
        adminUrl,
        logs,
      };
      return Context.add(pools, TestServer, info);
    }).pipe(Effect.withClock(Clock.make())),
  );

/** Where the runtime pool connects: straight to PostgreSQL, or through this run's PgBouncer. */
export interface Bouncer {
  readonly urlFor: (databaseUrl: string) => string;
}

/**
 * The server on a fresh migrated database, connected as `beep_app` (RLS applies to it), with `settings` for the
 * runtime pool. Through `bouncer` (transaction mode), the runtime pool and the health pool go through it with
 * `poolMode: "transaction"`. The server's own `Db`, `TenantDb` and `HealthDb` are in the context too.
 */
export const layerWith = (
  settings: Partial<Db.DbSettings> = {},
  bouncer?: Bouncer,
  source: Layer.Layer<MigratedDatabase, unknown> = migratedDatabase,
  listen: Omit<Server.ListenOptions, "port" | "host"> = {},
) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const db = yield* MigratedDatabase;
      // Read inside the layer's construction: the bouncer is usable in hooks and tests, not while collecting.
      const database =
        bouncer === undefined
          ? Server.database(db.appUrl, db.contextKey, settings)
          : Server.database(bouncer.urlFor(db.appUrl), db.contextKey, { poolMode: "transaction", ...settings });
      return serve(database, db.adminUrl, listen);
    }),
  ).pipe(Layer.provide(source));

/** The server on a fresh migrated database, connected as `beep_app` straight to PostgreSQL. */
export const layer = layerWith();

/** The server on a fresh migrated database with HTTP settings (`CORS_ORIGINS`, `PUBLIC_URL`) of its own. */
export const layerWithHttp = (http: Omit<Server.ListenOptions, "port" | "host">) =>
  layerWith({}, undefined, migratedDatabase, http);

/** The same, with the runtime pool through `bouncer` (PgBouncer in transaction mode). */
export const layerThrough = (bouncer: Bouncer) => layerWith({}, bouncer);

/** The same on this run's Citus cluster: a distributed database, the server connected to the coordinator. */
export const layerOnCitus = (citus: Testkit.CitusAccess) => layerWith({}, undefined, layerOn(citusCluster(citus)));
