import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SharedEntityIds } from "@beep/shared-domain";
import { Ports } from "@beep/testkit";
import * as EmbeddedPostgres from "@beep/testkit/embedded";
import { afterAll, assert, describe, it } from "@effect/vitest";
import { Cause, Effect, Exit } from "effect";
import { DevDatabase, DrizzleKit } from "../src/index.ts";
import { cli, query } from "./support.ts";

// Dev clusters of this test's own, never the repo's .data/postgres.
const root = mkdtempSync(join(tmpdir(), "beep-dev-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const MARKER = SharedEntityIds.OrganizationId.create();
const TAGS = DrizzleKit.journal(DrizzleKit.MIGRATIONS_DIR).map((entry) => entry.tag);
const lines = (text: string) => text.trim().split("\n");

// The message of a start that failed on its port (`DevDatabaseError`, in process or printed by the CLI).
const PORT_FAILURE = /embedded PostgreSQL did not start in .* \(is the port taken\? set BEEP_PG_PORT\)/;

/** Rethrows a start that failed on `port` as `PortTaken`, so `onFreePort` tries again on another port. */
const portTaken = (port: number, detail: string) => {
  if (PORT_FAILURE.test(detail)) throw new Ports.PortTaken(port, detail);
};

const runOrPortTaken = async <A>(port: number, effect: Effect.Effect<A, unknown>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) return exit.value;
  const error = Cause.squash(exit.cause);
  portTaken(port, error instanceof Error ? error.message : String(error));
  throw error;
};

describe("DevDatabase", () => {
  it("starts a persistent cluster, is reused while running, keeps its data across restarts", () =>
    // The port is free when picked, and between the starts below: a start that loses it to another process runs
    // the whole story again on another port, with a new cluster.
    Ports.onFreePort(async (port) => {
      const dataDir = join(root, `postgres-${port}`);
      const env = { BEEP_PG_DATA_DIR: dataDir, BEEP_PG_PORT: String(port) };

      // First start: a new cluster, migrated, beep_app able to log in; a second acquisition reuses it.
      await runOrPortTaken(
        port,
        Effect.scoped(
          Effect.gen(function* () {
            const db = yield* DevDatabase.makeWith({ dataDir, port, appPassword: "dev_secret" });
            assert.strictEqual(db.appUrl, `postgres://beep_app:dev_secret@127.0.0.1:${port}/beep`);
            const [who] = yield* Effect.promise(() => query(db.appUrl, (sql) => sql`select current_user as name`));
            assert.strictEqual(who?.name, "beep_app");
            // Its context key is its own, made on first use and kept beside the data, readable by the owner only.
            const secretsFile = join(dataDir, DevDatabase.SECRETS_FILE);
            const secrets = JSON.parse(readFileSync(secretsFile, "utf8")) as DevDatabase.DevSecrets;
            assert.strictEqual(db.contextKey, secrets.contextKey);
            assert.isAtLeast(secrets.contextKey.length, 32);
            assert.strictEqual(statSync(secretsFile).mode & 0o777, 0o600);
            const reused = yield* DevDatabase.makeWith({ dataDir, port });
            assert.strictEqual(reused.contextKey, secrets.contextKey);
            assert.include(reused.appUrl, encodeURIComponent(secrets.appPassword));
            yield* Effect.promise(() =>
              query(db.adminUrl, (sql) => sql`insert into shared_organization (id, name) values (${MARKER}, 'kept')`),
            );
            const again = yield* DevDatabase.server({ dataDir, port });
            assert.isFalse(again.startedHere);
            assert.strictEqual(again.adminUrl, db.adminUrl);

            // The CLI, with no DATABASE_URL, connects to the running cluster instead of starting another.
            const result = yield* Effect.promise(() => cli(["verify"], env));
            assert.strictEqual(result.code, 0, result.stderr);
            assert.match(result.stderr, /using the PostgreSQL already running in .* \(pid \d+, port \d+\)/);
            assert.notInclude(result.stderr, "starting embedded PostgreSQL");
          }),
        ),
      );
      assert.isUndefined(DevDatabase.runningPostmaster(dataDir), "stopped by the scope that started it");

      // Not running: the CLI starts it, finds everything applied, and stops it again.
      const migrate = await cli(["migrate"], env);
      if (migrate.code !== 0) portTaken(port, migrate.stderr);
      assert.strictEqual(migrate.code, 0, migrate.stderr);
      assert.deepStrictEqual(lines(migrate.stdout), [
        `nothing to migrate: all ${TAGS.length} migrations were already applied`,
      ]);
      assert.deepStrictEqual(lines(migrate.stderr), [
        `starting embedded PostgreSQL in ${dataDir} on port ${port}…`,
        `stopping embedded PostgreSQL (data kept in ${dataDir})`,
      ]);
      assert.isUndefined(DevDatabase.runningPostmaster(dataDir));

      // Restarted in process: the data survived.
      await runOrPortTaken(
        port,
        Effect.scoped(
          Effect.gen(function* () {
            const server = yield* DevDatabase.server({ dataDir, port });
            assert.isTrue(server.startedHere);
            const kept = yield* Effect.promise(() =>
              query(server.adminUrl, (sql) => sql`select name from shared_organization where id = ${MARKER}`),
            );
            assert.deepStrictEqual(
              kept.map((row) => row.name),
              ["kept"],
            );
          }),
        ),
      );
    }));

  it("a port taken by something else is a clear DevDatabaseError", async () => {
    const dataDir = join(root, "squatted");
    const port = await EmbeddedPostgres.freePort();
    const squatter = createServer();
    // "::" takes the port on IPv6 and IPv4 alike; without IPv6, IPv4 is all PostgreSQL could use anyway.
    await new Promise<void>((resolve) => {
      squatter.once("error", () => squatter.listen(port, "127.0.0.1", resolve));
      squatter.listen(port, "::", resolve);
    });
    try {
      const error = await Effect.runPromise(Effect.flip(Effect.scoped(DevDatabase.server({ dataDir, port }))));
      assert.instanceOf(error, DevDatabase.DevDatabaseError);
      assert.include(
        error.message,
        `dev database: embedded PostgreSQL did not start in ${dataDir} on port ${port} (is the port taken? set BEEP_PG_PORT)`,
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
