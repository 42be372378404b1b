import { createServer, type Socket } from "node:net";
import { SharedEntityIds } from "@beep/shared-domain";
import { EmbeddedPostgres } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { ConfigProvider, Context, Duration, Effect, Layer, Redacted, TestServices } from "effect";
import * as HealthCheck from "../src/HealthCheck.ts";
import * as Server from "../src/Server.ts";
import * as Start from "../src/Start.ts";
import * as Token from "../src/Token.ts";
import { call, timedCall } from "./support/Client.ts";
import { AUTH_SECRET, serve, TestServer } from "./support/TestServer.ts";

// Nothing listens on this port: every connection attempt is refused.
const deadDatabase = Layer.unwrapEffect(
  Effect.promise(() => EmbeddedPostgres.freePort()).pipe(
    Effect.map((port) => {
      const url = `postgres://beep_app:x@127.0.0.1:${port}/beep`;
      return serve(Server.database(url, "a-key-for-a-database-that-is-not-there", { connectTimeoutSeconds: 2 }), url);
    }),
  ),
);

// Something listens and accepts, and never says a word: a database host that hangs.
class SilentPort extends Context.Tag("test/SilentPort")<SilentPort, number>() {}

const silentPort = Layer.scoped(
  SilentPort,
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly close: () => Promise<void> }>((resume) => {
      const sockets = new Set<Socket>();
      const listener = createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      listener.listen(0, "127.0.0.1", () => {
        const address = listener.address();
        const close = () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            listener.close(() => done());
          });
        resume(Effect.succeed({ port: typeof address === "object" && address !== null ? address.port : 0, close }));
      });
    }),
    ({ close }) => Effect.promise(close),
  ).pipe(Effect.map(({ port }) => port)),
);

const silentDatabase = Layer.unwrapEffect(
  Effect.map(SilentPort, (port) => {
    const url = `postgres://beep_app:x@127.0.0.1:${port}/beep`;
    return serve(Server.database(url, "a-key-for-a-database-that-hangs-forever", { connectTimeoutSeconds: 2 }), url);
  }),
).pipe(Layer.provide(silentPort));

describe("database down", () => {
  it.layer(deadDatabase)((it) => {
    it.effect("health and every database-backed request are 503; auth still answers 401 first", () =>
      Effect.gen(function* () {
        const health = yield* timedCall("GET", "/health", { headers: { "x-request-id": "health-down-1" } });
        assert.deepStrictEqual(health.body, { _tag: "ServiceUnavailable", message: "database unreachable" });
        assert.strictEqual(health.status, 503);
        assert.isBelow(health.ms, 1000);
        const tokens = yield* Token.make(Redacted.make(AUTH_SECRET));
        const { token } = yield* tokens.issue({
          userId: SharedEntityIds.UserId.create(),
          organizationId: SharedEntityIds.OrganizationId.create(),
        });
        const list = yield* call("GET", "/v1/documents", { token });
        assert.deepStrictEqual(list, {
          status: 503,
          body: { _tag: "ServiceUnavailable", message: "database unavailable" },
        });
        const signup = yield* call("POST", "/v1/signup", {
          body: { email: "down@example.com", name: "Down", organizationName: "Down" },
        });
        assert.strictEqual(signup.status, 503);
        const unauthenticated = yield* call("GET", "/v1/documents");
        assert.strictEqual(unauthenticated.status, 401);

        // The log lines say why; the bodies above did not.
        const { logs } = yield* TestServer;
        const healthLine = logs.find((line) => line.requestId === "health-down-1");
        assert.deepInclude(healthLine, { path: "/health", status: 503, level: "error" });
        assert.deepInclude(healthLine?.error, { tag: "DatabaseUnavailable", code: "ECONNREFUSED" });
        assert.include(healthLine?.error?.message, "ECONNREFUSED");
        const listLine = logs.find((line) => line.path === "/v1/documents" && line.status === 503);
        assert.deepInclude(listLine?.error, { tag: "DatabaseUnavailable", code: "ECONNREFUSED" });
        assert.notInclude(JSON.stringify([health.body, list.body, signup.body]), "ECONNREFUSED");
      }),
    );
  });
});

describe("database hangs", () => {
  it.layer(silentDatabase)((it) => {
    it.effect("health answers 503 'database timed out' within a second, every time", () =>
      Effect.gen(function* () {
        for (let attempt = 0; attempt < 3; attempt++) {
          const health = yield* timedCall("GET", "/health");
          assert.deepStrictEqual(
            [health.status, health.body],
            [503, { _tag: "ServiceUnavailable", message: "database timed out" }],
          );
          assert.isBelow(health.ms, 1000, `attempt ${attempt}`);
        }
        const { logs } = yield* TestServer;
        const lines = logs.filter((line) => line.path === "/health");
        assert.strictEqual(lines.length, 3);
        for (const line of lines) assert.strictEqual(line.error?.tag, "HealthCheckTimeout");
      }),
    );
  });
});

describe("HEALTH_DEADLINE_MS", () => {
  it.layer(silentPort)((it) => {
    it.scoped("a health check given 1500 ms waits them out before it says the database timed out", () =>
      // The deadline runs on the real clock.
      TestServices.provideLive(
        Effect.gen(function* () {
          const port = yield* SilentPort;
          const { check } = yield* HealthCheck.make(
            `postgres://beep_app:x@127.0.0.1:${port}/beep`,
            Duration.millis(1500),
          );
          const started = performance.now();
          const failure = yield* Effect.flip(check);
          // A lower bound only: the default deadline (900 ms) would end it sooner.
          assert.isAtLeast(performance.now() - started, 1400);
          assert.strictEqual(failure.reason, "database timed out");
          assert.deepInclude(failure.error, { _tag: "HealthCheckTimeout", ms: 1500 });
        }),
      ),
    );
  });

  it.effect("bun run start reads it, and refuses a value out of range, naming it", () =>
    Effect.gen(function* () {
      const read = (value: string) =>
        HealthCheck.deadline.pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["HEALTH_DEADLINE_MS", value]]))),
        );
      assert.strictEqual(Duration.toMillis(yield* read("2500")), 2500);
      const refused = yield* Effect.flip(read("0"));
      assert.include(Start.describeConfigError(refused), "HEALTH_DEADLINE_MS");
      assert.strictEqual(
        Duration.toMillis(
          yield* HealthCheck.deadline.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))),
        ),
        900,
      );
    }),
  );
});
