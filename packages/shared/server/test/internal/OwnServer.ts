import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppRole, ContextKey, Migrator } from "@beep/db-admin";
import { EmbeddedPostgres } from "@beep/testkit";
import { Effect, Option, Redacted } from "effect";

/**
 * A PostgreSQL of the test's own, so that stopping it troubles nobody else: migrated, with a context key and
 * `beep_app` able to log in (its password is this server's business alone); removed when the scope closes.
 */
export const start = (prefix: string) =>
  Effect.gen(function* () {
    const dataDir = join(mkdtempSync(join(tmpdir(), `beep-${prefix}-`)), "data");
    // The first start picks its port (and another, should that one be taken before it binds); restarts reuse it.
    const boot = (port?: number) => EmbeddedPostgres.startEmbedded({ persistent: true, dataDir, port });
    let server = yield* Effect.acquireRelease(
      Effect.promise(() => boot()),
      () =>
        Effect.promise(async () => {
          await server.stop().catch(() => {});
          rmSync(join(dataDir, ".."), { recursive: true, force: true });
        }),
    );
    yield* Migrator.migrate({ url: server.adminUrl });
    const contextKey = ContextKey.generate();
    yield* ContextKey.install(server.adminUrl, Option.some(Redacted.make(contextKey)));
    const appUrl = yield* AppRole.provision(server.adminUrl, `${prefix}_app`);
    return {
      adminUrl: server.adminUrl,
      appUrl,
      contextKey,
      stop: Effect.promise(() => server.stop()),
      /** Starts it again on the same port and data. */
      restart: Effect.promise(async () => {
        server = await boot(server.port);
      }),
    };
  });
