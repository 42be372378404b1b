import { request as httpRequest } from "node:http";
import { MigratedDatabase, layer as migratedDatabase } from "@beep/db-admin/testing";
import { assert, describe, it } from "@effect/vitest";
import { Context, Deferred, Effect, Exit, Fiber, Layer, Scope, TestServices } from "effect";
import * as Server from "../src/Server.ts";
import { signup } from "./support/Client.ts";
import { serve, TestServer } from "./support/TestServer.ts";

/** Starts a POST whose body is sent in two halves; `finish` sends the rest, `status` is the answer. */
const slowPost = (url: string, token: string, body: string) => {
  const request = httpRequest(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "transfer-encoding": "chunked" },
  });
  const status = new Promise<number>((resolve, reject) => {
    request.on("response", (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("error", reject);
  });
  const half = Math.floor(body.length / 2);
  request.write(body.slice(0, half));
  return { status, finish: () => request.end(body.slice(half)) };
};

describe("graceful shutdown", () => {
  it.layer(migratedDatabase)((it) => {
    it.effect("closing the server lets an in-flight request finish, then refuses new connections", () =>
      // Real time: the request and the shutdown race on the wall clock.
      TestServices.provideLive(
        Effect.gen(function* () {
          const db = yield* MigratedDatabase;
          const scope = yield* Scope.make();
          const context = yield* Layer.buildWithScope(
            serve(Server.database(db.appUrl, db.contextKey), db.adminUrl),
            scope,
          );
          const server = Context.get(context, TestServer);
          const run = <A, E>(effect: Effect.Effect<A, E, TestServer>) =>
            Effect.provideService(effect, TestServer, server);
          const a = yield* run(signup("Closing"));

          const inFlight = slowPost(`${server.baseUrl}/v1/documents`, a.token, JSON.stringify({ title: "in flight" }));
          yield* Effect.sleep("200 millis");
          const closed = yield* Deferred.make<void>();
          const closing = yield* Effect.fork(
            Scope.close(scope, Exit.void).pipe(Effect.zipRight(Deferred.succeed(closed, undefined))),
          );
          yield* Effect.sleep("300 millis");
          assert.isFalse(yield* Deferred.isDone(closed), "the server waits for the request in flight");
          inFlight.finish();
          assert.strictEqual(yield* Effect.promise(() => inFlight.status), 201);
          yield* Fiber.join(closing);
          const after = yield* Effect.either(Effect.tryPromise(() => fetch(`${server.baseUrl}/health`)));
          assert.strictEqual(after._tag, "Left", "no new connections after shutdown");
          const stored = yield* Effect.promise(async () => {
            const { default: postgres } = await import("postgres");
            const sql = postgres(db.adminUrl, { max: 1, onnotice: () => {} });
            const rows = await sql`select count(*)::int as n from documents_document where title = 'in flight'`;
            await sql.end();
            return rows[0]?.n;
          });
          assert.strictEqual(stored, 1);
        }),
      ),
    );
  });
});
