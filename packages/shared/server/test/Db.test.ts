import { assert, describe, it } from "@effect/vitest";
import { ConfigProvider, Effect, Exit, Layer, Scope } from "effect";
import * as Db from "../src/Db.ts";
import { MigratedDatabase, runtime } from "./internal/layers.ts";

describe("Db", () => {
  it.layer(runtime())((it) => {
    it.effect("reads its settings from Config and logs in as beep_app with the statement timeout set", () =>
      Effect.gen(function* () {
        const { appUrl } = yield* MigratedDatabase;
        const provider = ConfigProvider.fromMap(
          new Map([
            ["APP_DATABASE_URL", appUrl],
            ["DB_POOL_MAX", "3"],
            ["DB_STATEMENT_TIMEOUT_MS", "1234"],
          ]),
        );
        const scope = yield* Scope.make();
        const context = yield* Layer.buildWithScope(Db.layer, scope).pipe(Effect.withConfigProvider(provider));
        const db = yield* Effect.provide(Db.Db, context);
        assert.strictEqual(db.options.poolMax, 3);
        assert.strictEqual(db.options.idleTimeoutSeconds, 30);
        assert.strictEqual(db.options.acquireTimeoutMs, 10_000);
        const [row] = yield* Effect.promise(
          () => db.sql`select current_user as role, current_setting('statement_timeout') as timeout`,
        );
        assert.deepStrictEqual({ ...row }, { role: "beep_app", timeout: "1234ms" });
        // The pool is closed with its scope.
        yield* Scope.close(scope, Exit.void);
        const after = yield* Effect.promise(() =>
          db.sql`select 1`.then(
            () => "answered",
            (error: { code?: string }) => error.code,
          ),
        );
        assert.strictEqual(after, "CONNECTION_ENDED");
      }),
    );

    it.effect("without APP_DATABASE_URL the layer fails with a ConfigError", () =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(
          Layer.build(Db.layer).pipe(Effect.scoped, Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))),
        );
        assert.isTrue(Exit.isFailure(exit));
        assert.include(String(Exit.isFailure(exit) ? exit.cause : ""), "APP_DATABASE_URL");
      }),
    );
  });
});
