import { connect, createServer, type Socket } from "node:net";

export interface RoundTripProxy {
  readonly port: number;
  /** Client flights since the last reset: bursts of client data sent before the server's next reply arrived. */
  readonly flights: () => number;
  readonly reset: () => void;
  /** While held, server replies are kept back (the server looks hung to the client); they are never released. */
  readonly hold: (held: boolean) => void;
  readonly close: () => Promise<void>;
}

/**
 * A loopback TCP proxy that holds every server reply for `delayMs`. Anything the client sends without
 * waiting for a reply lands in the same flight, so flights count round trips exactly.
 */
export const start = (targetPort: number, delayMs = 25): Promise<RoundTripProxy> => {
  let flights = 0;
  let awaitingReply = false;
  let held = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    client.on("data", (chunk) => {
      if (!awaitingReply) flights++;
      awaitingReply = true;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (held) return;
      setTimeout(() => {
        awaitingReply = false;
        client.write(chunk);
      }, delayMs);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address !== null ? address.port : 0,
        flights: () => flights,
        reset: () => {
          flights = 0;
        },
        hold: (on) => {
          held = on;
        },
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    }),
  );
};
