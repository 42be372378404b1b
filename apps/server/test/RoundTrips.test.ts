import { MigratedDatabase, layer as migratedDatabase } from "@beep/db-admin/testing";
import { RoundTripProxy } from "@beep/testkit";
import { assert, describe, layer } from "@effect/vitest";
import { Context, Effect, Layer } from "effect";
import * as Server from "../src/Server.ts";
import { call, signup } from "./support/Client.ts";
import { serve } from "./support/TestServer.ts";

class Trips extends Context.Tag("test/RoundTripProxy")<Trips, RoundTripProxy.RoundTripProxy>() {}

/** The server with its runtime pool (one connection) through a proxy that counts round trips. */
const throughProxy = Layer.unwrapScoped(
  Effect.gen(function* () {
    const db = yield* MigratedDatabase;
    const url = new URL(db.appUrl);
    const proxy = yield* Effect.acquireRelease(
      Effect.promise(() => RoundTripProxy.start(Number(url.port), 5)),
      (started) => Effect.promise(() => started.close()),
    );
    url.port = String(proxy.port);
    return Layer.merge(
      serve(Server.database(url.toString(), db.contextKey, { poolMax: 1 }), db.adminUrl),
      Layer.succeed(Trips, proxy),
    );
  }),
).pipe(Layer.provide(migratedDatabase));

describe("round trips of a request", () => {
  layer(throughProxy)((it) => {
    it.effect(
      "a person's list or read by id in one round trip (the context, the re-sign by membership, the read, COMMIT); a write in two",
      () =>
        Effect.gen(function* () {
          const proxy = yield* Trips;
          const { token } = yield* signup("Trips");
          const created = yield* call("POST", "/v1/documents", { token, body: { title: "read as the member" } });
          assert.strictEqual(created.status, 201);
          const list = call("GET", "/v1/documents", { token });
          assert.strictEqual((yield* list).status, 200);
          proxy.reset();
          const reply = yield* list;
          // The page was read inside the transaction, as the caller's role: the document is there.
          assert.deepStrictEqual(
            reply.body.items.map((item: { title: string }) => item.title),
            ["read as the member"],
          );
          // BEGIN, the context, the re-sign by membership (`beep.assume_role()`), the page, the session cleanup and
          // COMMIT, written together.
          assert.strictEqual(proxy.flights(), 1);
          // A read by id ends the same way. (Its statement's first use on the connection asks for its types first:
          // measured from the second.)
          const read = call("GET", `/v1/documents/${created.body.id}`, { token });
          yield* read;
          proxy.reset();
          const one = yield* read;
          assert.deepStrictEqual([one.status, one.body.title], [200, "read as the member"]);
          assert.strictEqual(proxy.flights(), 1);
          // The organization's own row: one statement, one round trip.
          const organization = call("GET", "/v1/organization", { token });
          yield* organization;
          proxy.reset();
          assert.strictEqual((yield* organization).status, 200);
          assert.strictEqual(proxy.flights(), 1);
          // A write: BEGIN, the context, the re-sign and the change; then its audit record, the cleanup and COMMIT.
          const write = call("POST", "/v1/documents", { token, body: { title: "written" } });
          yield* write;
          proxy.reset();
          assert.strictEqual((yield* write).status, 201);
          assert.strictEqual(proxy.flights(), 2);
        }),
    );
  });
});
