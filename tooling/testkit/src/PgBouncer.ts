import { spawn } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { isExecutable } from "./internal/files.ts";
import { cleanupOnInterrupt, endSync } from "./internal/interrupt.ts";
import { onFreePort, PortTaken } from "./internal/ports.ts";

/** A PgBouncer in transaction mode in front of a test PostgreSQL. */
export interface PgBouncer {
  readonly port: number;
  /** The bouncer's process. */
  readonly pid: number;
  /** Its directory (config, user list, log, pid file): removed when it stops, or when the run is interrupted. */
  readonly dir: string;
  /** The same user, password and database as `databaseUrl`, through the bouncer. */
  readonly urlFor: (databaseUrl: string) => string;
  /** The bouncer's admin console (the virtual `pgbouncer` database), as the upstream superuser. */
  readonly adminConsoleUrl?: string | undefined;
  readonly stop: () => Promise<void>;
}

export interface StartOptions {
  /** A superuser connection string of the server to pool; its user becomes `auth_user` and an admin. */
  readonly upstreamAdminUrl: string;
  /** Defaults to `binary()`. */
  readonly binary?: string | undefined;
  /** How long to wait for the bouncer to accept connections. */
  readonly startTimeoutMs?: number | undefined;
  /** Listen here instead of on a free port (to start a bouncer again where clients expect it). */
  readonly port?: number | undefined;
  /** Where a free port comes from (tests take the port first to see the start retried). */
  readonly pickPort?: (() => Promise<number>) | undefined;
}

const DEBIAN_BINARY = "/usr/sbin/pgbouncer";

/** The `pgbouncer` executable on `PATH`, else Debian's `/usr/sbin/pgbouncer`, else undefined. */
export const binary = (): string | undefined => {
  const onPath = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => dir !== "")
    .map((dir) => join(dir, "pgbouncer"))
    .find(isExecutable);
  if (onPath !== undefined) return onPath;
  return isExecutable(DEBIAN_BINARY) ? DEBIAN_BINARY : undefined;
};

/** `databaseUrl` with its host and port replaced by the bouncer's. */
export const throughBouncer = (databaseUrl: string, port: number): string => {
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
};

/** A value for pgbouncer.ini or its auth file: double quotes doubled. */
const quoted = (value: string) => `"${value.replaceAll('"', '""')}"`;

/** The uid and gid of an OS user, from /etc/passwd. */
export const osUser = (name: string): { uid: number; gid: number } => {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${name}:`));
  const fields = line?.split(":");
  if (fields === undefined || fields.length < 4) {
    throw new Error(`pgbouncer refuses to run as root and there is no OS user "${name}" to run it as`);
  }
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
};

/** Run as root, PgBouncer runs as this user (it refuses to run as root). */
const RUN_AS = "postgres";

const configFor = (options: {
  readonly dir: string;
  readonly upstreamHost: string;
  readonly upstreamPort: string;
  readonly port: number;
  readonly superuser: string;
}): string =>
  [
    "[databases]",
    // A wildcard: every database of the test server (each test file creates its own) is pooled,
    // logged into with the client's own user name, so one pool per (database, user).
    `* = host=${options.upstreamHost} port=${options.upstreamPort}`,
    "",
    "[pgbouncer]",
    "pool_mode = transaction",
    "listen_addr = 127.0.0.1",
    `listen_port = ${options.port}`,
    "unix_socket_dir =",
    `logfile = ${join(options.dir, "pgbouncer.log")}`,
    `pidfile = ${join(options.dir, "pgbouncer.pid")}`,
    // Clients log in with SCRAM. The superuser's plain-text password is in the auth file: PgBouncer
    // needs it to log in as `auth_user` on its own. Every other user (roles tests create, later in the
    // run too) is looked up with the default `auth_query` (pg_authid: login roles, password not past
    // `VALID UNTIL`) in the database the client asks for; that SCRAM secret verifies the client, and
    // the client's proof is passed through to log in to the server.
    "auth_type = scram-sha-256",
    `auth_file = ${join(options.dir, "userlist.txt")}`,
    `auth_user = ${options.superuser}`,
    `admin_users = ${options.superuser}`,
    // Everything else keeps PgBouncer's defaults on purpose (default_pool_size 20, max_client_conn 100,
    // ignore_startup_parameters empty): suites meet a transaction pooler as deployments do.
    "",
  ].join("\n");

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => done(true));
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts PgBouncer (transaction mode, otherwise its defaults) on a free port of 127.0.0.1 in front of
 * the server of `upstreamAdminUrl`, with its config, auth file, log and pid file in a temporary directory.
 */
export const start = async (options: StartOptions): Promise<PgBouncer> => {
  const executable = options.binary ?? binary();
  if (executable === undefined) throw new Error("pgbouncer is not installed (apt-get install pgbouncer)");
  const upstream = new URL(options.upstreamAdminUrl);
  const superuser = decodeURIComponent(upstream.username);
  const password = decodeURIComponent(upstream.password);
  const launch = (port: number) => launchOn(port, { executable, upstream, superuser, password, options });
  return options.port !== undefined ? launch(options.port) : onFreePort(launch, { pick: options.pickPort });
};

const launchOn = async (
  port: number,
  context: {
    readonly executable: string;
    readonly upstream: URL;
    readonly superuser: string;
    readonly password: string;
    readonly options: StartOptions;
  },
): Promise<PgBouncer> => {
  const { executable, upstream, superuser, password, options } = context;
  const dir = mkdtempSync(join(tmpdir(), "beep-pgbouncer-"));
  const config = join(dir, "pgbouncer.ini");
  writeFileSync(
    config,
    configFor({
      dir,
      upstreamHost: upstream.hostname.replace(/^\[(.*)\]$/, "$1"),
      upstreamPort: upstream.port === "" ? "5432" : upstream.port,
      port,
      superuser,
    }),
    { mode: 0o600 },
  );
  writeFileSync(join(dir, "userlist.txt"), `${quoted(superuser)} ${quoted(password)}\n`, { mode: 0o600 });
  // Created beforehand: a line PgBouncer logs as root, before it switches users, would leave a log
  // file it can no longer open.
  writeFileSync(join(dir, "pgbouncer.log"), "", { mode: 0o600 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = osUser(RUN_AS);
    for (const file of ["", "pgbouncer.ini", "userlist.txt", "pgbouncer.log"]) chownSync(join(dir, file), uid, gid);
  }

  const output: Array<string> = [];
  const child = spawn(executable, [...(asRoot ? ["-u", RUN_AS] : []), config], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split("\n").filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let spawnError: Error | undefined;
  child.on("error", (error) => {
    spawnError = error;
  });

  // A child outlives a parent ended by SIGTERM: an interrupted run stops the bouncer and removes its directory.
  const running = () => spawnError === undefined && child.exitCode === null && child.signalCode === null;
  const release = cleanupOnInterrupt(() => {
    if (running() && child.pid !== undefined) endSync(child.pid, "SIGTERM", 2_000);
    rmSync(dir, { recursive: true, force: true });
  });

  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  /** True when the process ended (and its output was read) within `ms`. */
  const closedWithin = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void closed.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });

  const stop = async () => {
    release();
    if (running()) {
      // SIGINT is PgBouncer's safe shutdown (PAUSE, then SHUTDOWN); a client still inside a
      // transaction could hold it up, hence the bound.
      child.kill("SIGINT");
      if (!(await closedWithin(5_000))) child.kill("SIGKILL");
    }
    await closedWithin(5_000);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  // Its own word that it bound the port, not a connection alone: whoever took the port would accept that too.
  const listening = `listening on 127.0.0.1:${port}`;
  const bound = () =>
    output.some((line) => line.includes(listening)) ||
    readFileSync(join(dir, "pgbouncer.log"), "utf8").includes(listening);
  for (;;) {
    if (bound() && (await accepts(port))) break;
    const gone = spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;
    if (gone || Date.now() > deadline) {
      await stop();
      const why = spawnError?.message ?? (gone ? `exited with ${child.exitCode ?? child.signalCode}` : "timed out");
      const tail = output.slice(-30).join("\n");
      // Only a port the caller did not choose is worth another try.
      if (options.port === undefined && /already in use/i.test(tail)) throw new PortTaken(port, tail);
      throw new Error(`pgbouncer failed to start on 127.0.0.1:${port} (${why}):\n${output.slice(-30).join("\n")}`);
    }
    await sleep(25);
  }

  const urlFor = (databaseUrl: string) => throughBouncer(databaseUrl, port);
  const adminConsole = new URL(urlFor(options.upstreamAdminUrl));
  adminConsole.pathname = "/pgbouncer";
  return { port, pid: child.pid ?? 0, dir, urlFor, adminConsoleUrl: adminConsole.toString(), stop };
};
