import { randomBytes } from "node:crypto";
import { afterAll, assert, beforeAll, it } from "@effect/vitest";
import postgres from "postgres";
import { type TestDatabase, Testkit } from "../src/index.ts";
import { errorOf } from "./support.ts";

/** PgBouncer 1.18 keeps no prepared statements across backends: connections through it use unnamed ones. */
const connect = (url: string, startupParameters: Record<string, string | number> = {}) =>
  postgres(url, { max: 1, prepare: false, onnotice: () => {}, connection: startupParameters });

const asUser = (url: string, user: string, password: string) => {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
};

Testkit.describeWithPgBouncer("PgBouncer in front of the test server", (bouncer) => {
  let database: TestDatabase.CreatedDatabase;
  beforeAll(async () => {
    database = await Testkit.createDatabase("bouncer");
  });
  afterAll(async () => {
    await database?.drop();
  });

  const adminConsole = async <T>(run: (sql: postgres.Sql) => Promise<T>): Promise<T> => {
    // The admin console answers the simple protocol only, and has no pg_type to fetch.
    const sql = postgres(bouncer.adminConsoleUrl, { max: 1, fetch_types: false, onnotice: () => {} });
    try {
      return await run(sql);
    } finally {
      await sql.end({ timeout: 1 });
    }
  };

  it("lets the superuser in, to a database created during the run", async () => {
    const url = bouncer.urlFor(database.url);
    assert.notStrictEqual(new URL(url).port, new URL(database.url).port);
    const sql = connect(url);
    try {
      const [row] = await sql`select current_user as "user", current_database() as name`;
      assert.deepStrictEqual(row, { user: decodeURIComponent(new URL(database.url).username), name: database.name });
    } finally {
      await sql.end({ timeout: 1 });
    }
    const pools = await adminConsole((admin) => admin.unsafe("SHOW POOLS").simple());
    assert.isTrue(
      pools.some((pool) => pool.database === database.name && pool.pool_mode === "transaction"),
      JSON.stringify(pools),
    );
  });

  it("lets in a login role created by the test, with its password only", async () => {
    const role = `bouncer_${randomBytes(6).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    const admin = connect(database.url);
    await admin.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' NOSUPERUSER NOBYPASSRLS`);
    try {
      const sql = connect(bouncer.urlFor(asUser(database.url, role, password)));
      try {
        const [row] = await sql`select current_user as "user", current_database() as name`;
        assert.deepStrictEqual(row, { user: role, name: database.name });
      } finally {
        await sql.end({ timeout: 1 });
      }
      const wrong = connect(bouncer.urlFor(asUser(database.url, role, `${password}x`)));
      try {
        const error = await errorOf(() => wrong`select 1`);
        assert.include(error.message, "authentication failed");
      } finally {
        await wrong.end({ timeout: 1 });
      }
    } finally {
      await admin.unsafe(`DROP ROLE IF EXISTS ${role}`);
      await admin.end({ timeout: 1 });
    }
  });

  it("pools in transaction mode: one client's two transactions run on different backends", async () => {
    const config = await adminConsole((admin) => admin.unsafe("SHOW CONFIG").simple());
    const setting = (key: string) => config.find((row) => row.key === key)?.value;
    assert.strictEqual(setting("pool_mode"), "transaction");
    assert.strictEqual(setting("default_pool_size"), "20");
    assert.strictEqual(setting("max_client_conn"), "100");
    assert.strictEqual(setting("ignore_startup_parameters"), "");

    // A database of its own: a fresh pool whose only backend is the one `a` uses first.
    const own = await Testkit.createDatabase("bouncer_mode");
    const a = connect(bouncer.urlFor(own.url));
    const b = connect(bouncer.urlFor(own.url));
    try {
      const backend = async (sql: postgres.TransactionSql) => (await sql`select pg_backend_pid() as pid`)[0]?.pid;
      const first = await a.begin(backend);
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered = () => {};
      const inside = new Promise<void>((resolve) => {
        entered = resolve;
      });
      // `b` holds the backend `a`'s first transaction gave back (in session mode `a` would keep it).
      const other = b.begin(async (sql) => {
        const pid = await backend(sql);
        entered();
        await held;
        return pid;
      });
      await Promise.race([inside, other]);
      const second = await a.begin(backend);
      release();
      assert.strictEqual(await other, first);
      assert.notStrictEqual(second, first);
    } finally {
      await a.end({ timeout: 1 });
      await b.end({ timeout: 1 });
      await own.drop();
    }
  });

  it("refuses a client that sends statement_timeout as a startup parameter (the strict default)", async () => {
    const sql = connect(bouncer.urlFor(database.url), { statement_timeout: 1000 });
    try {
      const error = await errorOf(() => sql`select 1`);
      assert.include(error.message, "unsupported startup parameter: statement_timeout");
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
