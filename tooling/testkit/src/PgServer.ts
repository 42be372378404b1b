import { existsSync } from "node:fs";
import { connect } from "node:net";
import { startEmbedded } from "./EmbeddedPostgres.ts";

/** Where a test PostgreSQL came from, in the order they are tried. */
export type PgServerKind = "external" | "container" | "embedded";

export interface PgServer {
  readonly kind: PgServerKind;
  /** A superuser connection string to the `postgres` database of the server. */
  readonly adminUrl: string;
  readonly stop: () => Promise<void>;
}

export interface StartOptions {
  /** Use this server instead of starting one (the value of `DATABASE_URL`, when set). */
  readonly databaseUrl?: string | undefined;
}

/**
 * A real PostgreSQL for tests: `databaseUrl` when given, else a testcontainers
 * container when a container runtime answers, else an embedded PostgreSQL 18.
 */
export const start = async (options: StartOptions = {}): Promise<PgServer> => {
  if (options.databaseUrl !== undefined && options.databaseUrl !== "") {
    return { kind: "external", adminUrl: options.databaseUrl, stop: async () => {} };
  }
  if (await containerRuntimeAnswers()) {
    return startContainer();
  }
  const embedded = await startEmbedded({ persistent: false });
  return { kind: "embedded", adminUrl: embedded.adminUrl, stop: embedded.stop };
};

const dockerSocketPath = (): string | undefined => {
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith("unix://")) return host.slice("unix://".length);
  if (host !== undefined && host !== "") return undefined;
  return "/var/run/docker.sock";
};

/** True when a Docker-compatible engine answers `/_ping`; the CLI alone is not enough. */
export const containerRuntimeAnswers = async (): Promise<boolean> => {
  if (process.env.DOCKER_HOST?.startsWith("tcp://")) return true;
  const socketPath = dockerSocketPath();
  if (socketPath === undefined || !existsSync(socketPath)) return false;
  return new Promise((resolve) => {
    const socket = connect({ path: socketPath });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("GET /_ping HTTP/1.0\r\n\r\n"));
    socket.on("data", (chunk) => done(chunk.toString().includes(" 200 ")));
  });
};

const startContainer = async (): Promise<PgServer> => {
  // Imported lazily: testcontainers crashes on import under Node 20 when no runtime is needed.
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  const container = await new PostgreSqlContainer("postgres:18-alpine").start();
  return {
    kind: "container",
    adminUrl: container.getConnectionUri(),
    stop: async () => {
      await container.stop();
    },
  };
};
