import { createServer, type Server } from "node:net";
import { afterEach, assert, describe, it } from "@effect/vitest";
import postgres from "postgres";
import { EmbeddedPostgres, PgBouncer, Testkit } from "../src/index.ts";
import { freePort, onFreePort, PortTaken } from "../src/internal/ports.ts";

/** Ports taken by the test, released after each one. */
const held: Array<Server> = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Binds `port` on 127.0.0.1 and keeps it: what another process starting a server in parallel does. */
const take = (port: number) =>
  new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
    held.push(server);
  });

/** A picker whose first port is taken between the pick and the bind; later picks are ordinary. */
const firstPickStolen = () => {
  const picked: Array<number> = [];
  const pick = async () => {
    const port = await freePort();
    if (picked.length === 0) await take(port);
    picked.push(port);
    return port;
  };
  return { pick, picked };
};

const answers = async (url: string, prepare = true) => {
  const sql = postgres(url, { max: 1, prepare, onnotice: () => {} });
  try {
    const [row] = await sql`select 1 as one`;
    return row?.one;
  } finally {
    await sql.end({ timeout: 1 });
  }
};

describe("a free port is held until the server binds it", () => {
  it("onFreePort tries another port when the first was taken, and gives up on other errors", async () => {
    const tried: Array<number> = [];
    const port = await onFreePort(async (candidate) => {
      tried.push(candidate);
      if (tried.length === 1) throw new PortTaken(candidate, "bind: Address already in use");
      return candidate;
    });
    assert.strictEqual(tried.length, 2);
    assert.strictEqual(port, tried[1]);
    let calls = 0;
    const failing = onFreePort(async () => {
      calls += 1;
      throw new Error("no such binary");
    });
    await failing.then(
      () => assert.fail("expected the start to fail"),
      (error: Error) => assert.strictEqual(error.message, "no such binary"),
    );
    assert.strictEqual(calls, 1);
  });

  it("an embedded PostgreSQL whose port was taken before it bound runs on another", { timeout: 120_000 }, async () => {
    const { pick, picked } = firstPickStolen();
    const server = await EmbeddedPostgres.startEmbedded({ persistent: false, pickPort: pick });
    try {
      assert.strictEqual(picked.length, 2, "the start was retried");
      assert.strictEqual(server.port, picked[1]);
      assert.strictEqual(await answers(server.adminUrl), 1);
    } finally {
      await server.stop();
    }
  });
});

Testkit.describeWithPgBouncer("a PgBouncer whose port was taken before it bound", () => {
  it("runs on another port and pools the test server", { timeout: 60_000 }, async () => {
    const { pick, picked } = firstPickStolen();
    const bouncer = await PgBouncer.start({ upstreamAdminUrl: Testkit.adminUrl(), pickPort: pick });
    try {
      assert.strictEqual(picked.length, 2, "the start was retried");
      assert.strictEqual(bouncer.port, picked[1]);
      // PgBouncer 1.18 keeps no prepared statements across backends.
      assert.strictEqual(await answers(bouncer.urlFor(Testkit.adminUrl()), false), 1);
    } finally {
      await bouncer.stop();
    }
  });
});
