import { createServer } from "node:net";

/** A port of 127.0.0.1 that was free a moment ago: another process may bind it before the caller does. */
export const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });

/** What a starter throws when its server could not bind `port` because something else holds it. */
export class PortTaken extends Error {
  override readonly name = "PortTaken";
  constructor(
    readonly port: number,
    readonly detail: string,
  ) {
    super(`127.0.0.1:${port} was taken before the server bound it:\n${detail}`);
  }
}

export interface OnFreePortOptions {
  /** Where ports come from; `freePort` unless a test needs to take one first. */
  readonly pick?: (() => Promise<number>) | undefined;
  readonly attempts?: number | undefined;
}

/**
 * Starts a server on a free port, and on another when the one picked was taken before the server bound it
 * (packages start their servers in parallel). `start` throws `PortTaken` for that case alone; anything else it
 * throws, and the last `PortTaken`, reach the caller.
 */
export const onFreePort = async <A>(
  start: (port: number) => Promise<A>,
  options: OnFreePortOptions = {},
): Promise<A> => {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const port = await (options.pick ?? freePort)();
    try {
      return await start(port);
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt >= attempts) throw error;
    }
  }
};
