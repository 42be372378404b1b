import { assert, describe, it } from "@effect/vitest";
import { Effect, Layer, Tracer } from "effect";
import { call } from "./support/Client.ts";
import { layerWithHttp } from "./support/TestServer.ts";

/** A tracer that records the name of every span started, and leaves the spans to the tracer it replaces. */
const recording = () => {
  const names: Array<string> = [];
  const layer = Layer.unwrapEffect(
    Effect.map(Effect.tracer, (inner) =>
      Layer.setTracer(
        Tracer.make({
          span: (name, ...rest) => {
            names.push(name);
            return inner.span(name, ...rest);
          },
          context: (f, fiber) => inner.context(f, fiber),
        }),
      ),
    ),
  );
  return { names, layer };
};

const serverSpans = (names: ReadonlyArray<string>) => names.filter((name) => name.startsWith("http.server"));

describe("request tracing", () => {
  const off = recording();
  it.layer(layerWithHttp({}).pipe(Layer.provide(off.layer)))((it) => {
    it.effect("is off unless asked for: a request starts no server span", () =>
      Effect.gen(function* () {
        assert.strictEqual((yield* call("GET", "/health")).status, 200);
        assert.deepStrictEqual(serverSpans(off.names), []);
      }),
    );
  });

  const on = recording();
  it.layer(layerWithHttp({ traceRequests: true }).pipe(Layer.provide(on.layer)))((it) => {
    it.effect("with traceRequests, each request has its server span for the host's tracer", () =>
      Effect.gen(function* () {
        assert.strictEqual((yield* call("GET", "/health")).status, 200);
        assert.deepStrictEqual(serverSpans(on.names), ["http.server GET"]);
      }),
    );
  });
});
