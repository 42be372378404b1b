import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { assert, it } from "@effect/vitest";
import postgres from "postgres";
import { isAlive as alive } from "../src/internal/interrupt.ts";
import * as PgBouncer from "../src/PgBouncer.ts";
import { errorOf, runFixture } from "./support.ts";

interface Started {
  readonly root: string;
  readonly port: number;
  readonly bouncer?: { readonly dir: string; readonly pid: number; readonly port: number } | undefined;
}

const refuses = async (port: number) => {
  const sql = postgres(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`, { max: 1, connect_timeout: 2 });
  try {
    return String(await errorOf(() => sql`select 1`));
  } finally {
    await sql.end({ timeout: 1 });
  }
};

/**
 * Runs the fixture (with Bun: it is TypeScript run as it is), waits for its servers, ends it with SIGTERM (what a task
 * runner sends a task when another fails) and returns what it had started, once it has exited.
 */
const startThenTerminate = async (args: ReadonlyArray<string>): Promise<Started & { readonly output: string }> => {
  const fixture = runFixture<Started>("test/fixtures/interrupted/servers.ts", args);
  const servers = await fixture.started;
  fixture.child.kill("SIGTERM");
  const timer = setTimeout(() => fixture.child.kill("SIGKILL"), 20_000);
  await fixture.ended;
  clearTimeout(timer);
  return { ...servers, output: fixture.output() };
};

/** Whatever a failed check left goes anyway. */
const removeLeftovers = (servers: Started) => {
  if (servers.bouncer !== undefined && alive(servers.bouncer.pid)) process.kill(servers.bouncer.pid, "SIGKILL");
  if (existsSync(servers.root)) {
    spawnSync("pkill", ["-INT", "-f", "--", `-D ${servers.root}/`]);
    rmSync(servers.root, { recursive: true, force: true });
  }
  if (servers.bouncer !== undefined) rmSync(servers.bouncer.dir, { recursive: true, force: true });
};

it("a run ended by SIGTERM stops the embedded PostgreSQL it started and removes its directory", async () => {
  const servers = await startThenTerminate([]);
  try {
    assert.isFalse(existsSync(servers.root), `${servers.root} is left:\n${servers.output}`);
    assert.match(await refuses(servers.port), /ECONNREFUSED|connect/i, `PostgreSQL still answers on ${servers.port}`);
  } finally {
    removeLeftovers(servers);
  }
}, 60_000);

const bouncerBinary = PgBouncer.binary();
if (bouncerBinary === undefined) console.log("pgbouncer is not installed: the interrupted-bouncer test did not run");

it.skipIf(bouncerBinary === undefined)(
  "a run ended by SIGTERM stops the PgBouncer it started (a child outlives its parent) and removes its directory",
  async () => {
    const servers = await startThenTerminate(["bouncer"]);
    const bouncer = servers.bouncer;
    try {
      assert.isDefined(bouncer);
      assert.isFalse(alive(bouncer?.pid ?? 0), `PgBouncer ${bouncer?.pid} still runs:\n${servers.output}`);
      assert.isFalse(existsSync(bouncer?.dir ?? ""), `${bouncer?.dir} is left`);
      assert.isFalse(existsSync(servers.root), `${servers.root} is left`);
    } finally {
      removeLeftovers(servers);
    }
  },
  60_000,
);
