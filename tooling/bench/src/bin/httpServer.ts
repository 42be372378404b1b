import * as NodeRuntime from "@effect/platform-node/NodeRuntime";
import { Config, Effect, Layer } from "effect";
import type * as HttpServer from "../HttpServer.ts";

// The bench stops this process with SIGTERM: `NodeRuntime.runMain` interrupts the server, which closes its
// connections and exits.

const VARIANTS = ["shipped", "rls", "filtered", "minimal"] as const satisfies ReadonlyArray<
  HttpServer.Variant | "minimal"
>;

/** One HTTP variant, configured by the bench that spawns it. */
const options = Config.all({
  variant: Config.literal(...VARIANTS)("BENCH_HTTP_VARIANT"),
  port: Config.port("BENCH_HTTP_PORT"),
  databaseUrl: Config.string("BENCH_HTTP_DATABASE_URL"),
  contextKey: Config.string("BENCH_HTTP_CONTEXT_KEY"),
  authSecret: Config.string("BENCH_HTTP_AUTH_SECRET"),
  poolMax: Config.integer("BENCH_HTTP_POOL_MAX"),
});

// Imported on demand, so that the minimal server's process does not load apps/server (its memory is reported).
NodeRuntime.runMain(
  Effect.flatMap(options, ({ variant, ...config }) =>
    variant === "minimal"
      ? Effect.flatMap(
          Effect.promise(() => import("../MinimalServer.ts")),
          (minimal) => Layer.launch(minimal.layer(config)),
        )
      : Effect.flatMap(
          Effect.promise(() => import("../HttpServer.ts")),
          (server) => Layer.launch(server.layer({ ...config, variant })),
        ),
  ),
);
