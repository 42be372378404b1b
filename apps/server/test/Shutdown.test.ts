import { MigratedDatabase, layer as migratedDatabase } from "@beep/db-admin/testing";
import { assert, describe, it } from "@effect/vitest";
import { Context, Effect, Exit, Fiber, Layer, Scope, TestServices } from "effect";
import * as Server from "../src/Server.ts";
import { signup } from "./support/Client.ts";
import { announced, stoppedListening } from "./support/InFlight.ts";
import { serve, TestServer } from "./support/TestServer.ts";

/**
 * Starts a POST whose body is sent in two halves, the first once the server holds the request (`inFlight`);
 * `finish` sends the rest, `status` is the answer.
 */
const slowPost = (url: string, token: string, body: string) => {
  const { request, inFlight } = announced(url, {
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
  const started = inFlight.then(() => void request.write(body.slice(0, half)));
  return { status, inFlight: started, finish: () => request.end(body.slice(half)) };
};

describe("graceful shutdown", () => {
  it.layer(migratedDatabase)((it) => {
    it.effect("closing the server lets an in-flight request finish, then refuses new connections", () =>
      // Real time: the listener probe polls on the wall clock.
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
          yield* Effect.promise(() => inFlight.inFlight);
          // Events in the order they happen: the shutdown must end after the request in flight was answered.
          const events: Array<string> = [];
          const closing = yield* Effect.fork(
            Scope.close(scope, Exit.void).pipe(Effect.zipRight(Effect.sync(() => events.push("closed")))),
          );
          // Shutdown has begun once the listener is gone; the request is still in flight, its body half sent.
          yield* stoppedListening(Number(new URL(server.baseUrl).port));
          inFlight.finish();
          const status = yield* Effect.promise(() => inFlight.status);
          events.push(`answered ${status}`);
          yield* Fiber.join(closing);
          assert.deepStrictEqual(events, ["answered 201", "closed"], "the server waited for the request in flight");
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
