import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import postgres from "postgres";
import { isExecutable } from "./internal/files.ts";
import { cleanupOnInterrupt } from "./internal/interrupt.ts";
import { onFreePort, PortTaken } from "./internal/ports.ts";
import { osUser } from "./PgBouncer.ts";
import { uniqueName, withDatabase } from "./TestDatabase.ts";

/** Debian's PostgreSQL 15: the Citus build in ../shared/citus is made for it. */
const BIN = "/usr/lib/postgresql/15/bin";
const LIB = "/usr/lib/postgresql/15/lib";
const EXTENSION_DIR = "/usr/share/postgresql/15/extension";
const INSTALL = "bash ../shared/citus/install.sh";
const SUPERUSER = "postgres";
const HOST = "127.0.0.1";
/** Run as root, the servers run as this user: initdb and postgres refuse root. */
const RUN_AS = "postgres";

/** A node's address, as the coordinator knows it in `pg_dist_node` (and as tests connect to it). */
export interface Node {
  readonly host: string;
  readonly port: number;
}

export interface Unavailable {
  readonly ok: false;
  readonly reason: string;
  /** What to run to make it available. */
  readonly remedy?: string;
}

export type Availability = { readonly ok: true } | Unavailable;

/** A cluster as plain data: what a global setup hands to the test processes. */
export interface Description {
  /** Started by the testkit, or given by `CITUS_URL`. */
  readonly kind: "started" | "external";
  /** A superuser URL of the coordinator (of a started cluster: its `postgres` database). */
  readonly adminUrl: string;
  readonly coordinator: Node;
  readonly workers: ReadonlyArray<Node>;
  /** The data directories of a started cluster's workers: any process of the run can stop and start one. */
  readonly workerDataDirs: ReadonlyArray<string>;
}

export interface CitusCluster extends Description {
  /** Stops every node the testkit started and removes their data; nothing for an external cluster. */
  readonly stop: () => Promise<void>;
  /** Stops worker `index` (of `workers`): `fast` ends its sessions cleanly, `immediate` is a crash. */
  readonly stopWorker: (index: number, mode?: "fast" | "immediate") => Promise<void>;
  /** Starts worker `index` again, on the same port with the same data. */
  readonly startWorker: (index: number) => Promise<void>;
}

export interface CitusDatabase {
  /** Superuser URL of the database on the coordinator. */
  readonly url: string;
  readonly name: string;
  /** Drops it on every node. */
  readonly drop: () => Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;

const hasOsUser = (name: string): boolean => {
  try {
    osUser(name);
    return true;
  } catch {
    return false;
  }
};

/** Whether a cluster can be started here, else why not. */
export const available = (): Availability => {
  if (!["postgres", "initdb", "pg_ctl"].every((binary) => isExecutable(join(BIN, binary)))) {
    return { ok: false, reason: `PostgreSQL 15 is not installed (no ${BIN})`, remedy: INSTALL };
  }
  if (!existsSync(join(EXTENSION_DIR, "citus.control")) || !existsSync(join(LIB, "citus.so"))) {
    return { ok: false, reason: "not installed", remedy: INSTALL };
  }
  if (isRoot() && !hasOsUser(RUN_AS)) {
    return { ok: false, reason: `run as root and there is no OS user "${RUN_AS}" to run PostgreSQL as` };
  }
  return { ok: true };
};

/** "not installed (bash ../shared/citus/install.sh)" */
export const explain = (unavailable: Unavailable): string =>
  unavailable.remedy === undefined ? unavailable.reason : `${unavailable.reason} (${unavailable.remedy})`;

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a PostgreSQL tool, as `RUN_AS` when root. */
const run = (command: string, args: ReadonlyArray<string>, cwd: string): Promise<Run> =>
  new Promise((resolve) => {
    const [file, argv] = isRoot() ? ["runuser", ["-u", RUN_AS, "--", command, ...args]] : [command, [...args]];
    // cwd: a directory the server's user can enter (the caller's may be root's).
    const child = spawn(file, argv, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", (error) => resolve({ code: null, output: `${output}${error.message}` }));
    child.on("close", (code) => resolve({ code, output }));
  });

const runOrThrow = async (command: string, args: ReadonlyArray<string>, cwd: string): Promise<void> => {
  const result = await run(command, args, cwd);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${result.code}):\n${result.output.trim()}`);
  }
};

const logOf = (dataDir: string) => `${dataDir}.log`;

const logTail = (dataDir: string, from = 0): string => {
  try {
    return readFileSync(logOf(dataDir), "utf8").slice(from).split("\n").slice(-30).join("\n");
  } catch {
    return "";
  }
};

const logSize = (dataDir: string): number => {
  try {
    return statSync(logOf(dataDir)).size;
  } catch {
    return 0;
  }
};

/** `pg_ctl status`: a postmaster.pid left by a killed server does not count. */
const isRunning = async (dataDir: string): Promise<boolean> =>
  existsSync(join(dataDir, "postmaster.pid")) &&
  (await run(join(BIN, "pg_ctl"), ["-D", dataDir, "status"], dirname(dataDir))).code === 0;

/** Starts the node of `dataDir` with the port in its postgresql.conf; nothing when it runs. */
const startNode = async (dataDir: string): Promise<void> => {
  if (await isRunning(dataDir)) return;
  const from = logSize(dataDir);
  const result = await run(
    join(BIN, "pg_ctl"),
    ["-D", dataDir, "-l", logOf(dataDir), "-w", "-t", "60", "start"],
    dirname(dataDir),
  );
  if (result.code !== 0) {
    throw new Error(`PostgreSQL of ${dataDir} failed to start:\n${result.output.trim()}\n${logTail(dataDir, from)}`);
  }
};

/** Stops the node of `dataDir`; nothing when it is stopped already. */
const stopNode = async (dataDir: string, mode: "fast" | "immediate" = "fast"): Promise<void> => {
  if (!(await isRunning(dataDir))) return;
  const result = await run(
    join(BIN, "pg_ctl"),
    ["-D", dataDir, "-m", mode, "-w", "-t", "60", "stop"],
    dirname(dataDir),
  );
  if (result.code !== 0 && (await isRunning(dataDir))) {
    throw new Error(`PostgreSQL of ${dataDir} failed to stop:\n${result.output.trim()}`);
  }
};

/** What this run changes in each node's postgresql.conf. */
const settings = (
  role: "coordinator" | "worker",
  port: number,
  socketDir: string,
): Record<string, string | number> => ({
  shared_preload_libraries: "'citus'",
  port,
  // The test's own servers, with trust auth: reachable from this machine only.
  listen_addresses: `'${HOST}'`,
  unix_socket_directories: `'${socketDir}'`,
  // Throwaway clusters need no crash safety.
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  // 200 concurrent clients on the coordinator, with room for the superuser and Citus' own sessions.
  // Each client session opens (and caches) connections to the workers it touches: the coordinator opens
  // at most `citus.max_shared_pool_size` to each worker, below a worker's `max_connections`, so workers
  // keep room for direct sessions, maintenance daemons and metadata syncs.
  max_connections: role === "coordinator" ? 400 : 500,
  ...(role === "coordinator" ? { "citus.max_shared_pool_size": 300 } : {}),
  // Citus runs a maintenance daemon (a background worker) per database with the extension, and every
  // test file creates one: the default of 8 would run out.
  max_worker_processes: 128,
});

const configure = (dataDir: string, initialConfig: string, lines: Record<string, string | number>) =>
  writeFileSync(
    join(dataDir, "postgresql.conf"),
    `${initialConfig}\n# @beep/testkit Citus node\n${Object.entries(lines)
      .map(([key, value]) => `${key} = ${value}`)
      .join("\n")}\n`,
  );

const portTaken = (log: string) => /could not bind|already in use|lock file .* already exists/i.test(log);

/** Starts a configured node on a free port; when another process takes that port first, on another one. */
const startOnFreePort = (dataDir: string, role: "coordinator" | "worker", initialConfig: string): Promise<number> =>
  onFreePort(async (port) => {
    configure(dataDir, initialConfig, settings(role, port, dirname(dataDir)));
    const from = logSize(dataDir);
    try {
      await startNode(dataDir);
      return port;
    } catch (error) {
      const tail = logTail(dataDir, from);
      if (portTaken(tail)) throw new PortTaken(port, tail);
      throw error;
    }
  });

const workerDataDir = (cluster: Description, index: number): string => {
  if (cluster.kind === "external") {
    throw new Error("the workers of a cluster given by CITUS_URL are not this run's to stop or start");
  }
  const dataDir = cluster.workerDataDirs[index];
  if (dataDir === undefined) {
    throw new RangeError(`no worker ${index}: the cluster has ${cluster.workerDataDirs.length} (counted from 0)`);
  }
  return dataDir;
};

/** Only the data of a cluster, for `provide`. */
export const toDescription = (cluster: Description): Description => ({
  kind: cluster.kind,
  adminUrl: cluster.adminUrl,
  coordinator: cluster.coordinator,
  workers: cluster.workers,
  workerDataDirs: cluster.workerDataDirs,
});

/** A cluster another process started (or `CITUS_URL`'s): `stop()` leaves it running; workers can be stopped. */
export const attach = (description: Description): CitusCluster => ({
  ...toDescription(description),
  stop: async () => {},
  stopWorker: async (index, mode) => stopNode(workerDataDir(description, index), mode),
  startWorker: async (index) => startNode(workerDataDir(description, index)),
});

/**
 * Starts a coordinator and `workers` workers (default 2): PostgreSQL 15 with Citus preloaded, each on a
 * free port of 127.0.0.1 with trust auth, with their data in a fresh temporary directory. Databases
 * (with the extension and the nodes registered) come from `createDatabase`.
 */
export const startCluster = async (options: { readonly workers?: number } = {}): Promise<CitusCluster> => {
  const availability = available();
  if (!availability.ok) throw new Error(`citus: ${explain(availability)}`);
  const workerCount = options.workers ?? 2;
  const baseDir = mkdtempSync(join(tmpdir(), "beep-citus-"));
  if (isRoot()) {
    const { uid, gid } = osUser(RUN_AS);
    chownSync(baseDir, uid, gid);
  }
  const dataDirs = ["coordinator", ...Array.from({ length: workerCount }, (_, i) => `worker-${i}`)].map((name) =>
    join(baseDir, name),
  );
  const [coordinatorDir = "", ...workerDirs] = dataDirs;

  // Should the process end without `stop()` (a crashed or interrupted run), the servers end with it, and their data
  // goes. pg_ctl starts them detached: nothing else would stop them.
  const stopAllNow = () => {
    for (const dataDir of dataDirs) {
      if (!existsSync(join(dataDir, "postmaster.pid"))) continue;
      const args = ["-D", dataDir, "-m", "immediate", "stop"];
      const command = join(BIN, "pg_ctl");
      spawnSync(isRoot() ? "runuser" : command, isRoot() ? ["-u", RUN_AS, "--", command, ...args] : args, {
        cwd: baseDir,
        stdio: "ignore",
      });
    }
    rmSync(baseDir, { recursive: true, force: true });
  };
  const release = cleanupOnInterrupt(stopAllNow);

  const stop = async () => {
    release();
    const results = await Promise.allSettled(dataDirs.map((dataDir) => stopNode(dataDir)));
    // A node that would not stop cleanly is stopped hard before its data goes.
    await Promise.allSettled(dataDirs.map((dataDir) => stopNode(dataDir, "immediate")));
    const running = await Promise.all(dataDirs.map(isRunning));
    const failed = dataDirs.filter((_, i) => running[i]);
    if (failed.length === 0) rmSync(baseDir, { recursive: true, force: true });
    const errors = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    if (failed.length > 0) throw new AggregateError(errors, `citus: nodes still running: ${failed.join(", ")}`);
  };

  try {
    // One initdb, copied: on a small machine parallel initdbs take longer than one and its copies.
    await runOrThrow(
      join(BIN, "initdb"),
      ["-D", coordinatorDir, "-U", SUPERUSER, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
      baseDir,
    );
    const initialConfig = readFileSync(join(coordinatorDir, "postgresql.conf"), "utf8");
    await Promise.all(workerDirs.map((dataDir) => runOrThrow("cp", ["-a", coordinatorDir, dataDir], baseDir)));
    const [coordinatorPort = 0, ...workerPorts] = await Promise.all(
      dataDirs.map((dataDir, i) => startOnFreePort(dataDir, i === 0 ? "coordinator" : "worker", initialConfig)),
    );
    const description: Description = {
      kind: "started",
      adminUrl: `postgres://${SUPERUSER}@${HOST}:${coordinatorPort}/postgres`,
      coordinator: { host: HOST, port: coordinatorPort },
      workers: workerPorts.map((port) => ({ host: HOST, port })),
      workerDataDirs: workerDirs,
    };
    return { ...attach(description), stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
};

/**
 * The cluster of `CITUS_URL`, a superuser URL of its coordinator: the workers are the primaries in that
 * database's `pg_dist_node`, reached with the same user and password. `stop()` leaves it running.
 */
export const fromUrl = async (citusUrl: string): Promise<CitusCluster> => {
  const url = new URL(citusUrl);
  const sql = postgres(citusUrl, { max: 1, onnotice: () => {} });
  let rows: ReadonlyArray<{ nodename: string; nodeport: number; groupid: number }>;
  try {
    rows = await sql<{ nodename: string; nodeport: number; groupid: number }[]>`
      select nodename, nodeport, groupid from pg_dist_node where noderole = 'primary' order by groupid, nodeid`;
  } catch (cause) {
    throw new Error(`CITUS_URL (${url.hostname}:${url.port}${url.pathname}): no Citus cluster there`, { cause });
  } finally {
    await sql.end({ timeout: 1 });
  }
  const workers = rows.filter((row) => row.groupid !== 0).map((row) => ({ host: row.nodename, port: row.nodeport }));
  if (workers.length === 0) {
    throw new Error(`CITUS_URL (${url.hostname}:${url.port}${url.pathname}): no workers in pg_dist_node`);
  }
  const registered = rows.find((row) => row.groupid === 0);
  return attach({
    kind: "external",
    adminUrl: citusUrl,
    coordinator:
      registered !== undefined
        ? { host: registered.nodename, port: registered.nodeport }
        : { host: url.hostname, port: url.port === "" ? 5432 : Number(url.port) },
    workers,
    workerDataDirs: [],
  });
};

/** `url` (of the coordinator) with the host and port of `node`. */
export const atNode = (url: string, node: Node): string => {
  const parsed = new URL(url);
  parsed.hostname = node.host;
  parsed.port = String(node.port);
  return parsed.toString();
};

/** Runs `use` on a one-connection client to `url`, closed afterwards. */
export const withSql = async <T>(url: string, use: (sql: postgres.Sql) => Promise<T>): Promise<T> => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await use(sql);
  } finally {
    await sql.end({ timeout: 1 });
  }
};

/**
 * A uniquely named database on every node of `cluster`, with the extension on each (Citus does not
 * propagate CREATE DATABASE) and the coordinator and workers registered in it.
 */
export const createDatabase = async (cluster: Description, prefix = "test"): Promise<CitusDatabase> => {
  const name = uniqueName(prefix);
  const workerUrls = cluster.workers.map((worker) => atNode(cluster.adminUrl, worker));
  const dropOn = (url: string) => withSql(url, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  const drop = async () => {
    // The coordinator first: no distributed query of the database reaches a worker after that.
    const results = [
      ...(await Promise.allSettled([dropOn(cluster.adminUrl)])),
      ...(await Promise.allSettled(workerUrls.map(dropOn))),
    ];
    const errors = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    if (errors.length > 0) throw new AggregateError(errors, `citus: ${name} was not dropped on every node`);
  };
  try {
    await Promise.all(
      [cluster.adminUrl, ...workerUrls].map(async (url) => {
        await withSql(url, (sql) => sql.unsafe(`CREATE DATABASE "${name}"`));
        await withSql(withDatabase(url, name), (sql) => sql.unsafe("CREATE EXTENSION citus"));
      }),
    );
    await withSql(withDatabase(cluster.adminUrl, name), async (sql) => {
      await sql`select citus_set_coordinator_host(${cluster.coordinator.host}, ${cluster.coordinator.port})`;
      // One at a time: each takes the metadata lock and syncs the metadata to the new worker.
      for (const worker of cluster.workers) await sql`select citus_add_node(${worker.host}, ${worker.port})`;
    });
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return { name, url: withDatabase(cluster.adminUrl, name), drop };
};
