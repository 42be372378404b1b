import { connect, createServer, type Server } from "node:net";
import { assert, describe, it } from "@effect/vitest";
import { RoundTripProxy } from "../src/index.ts";

/** A server that answers every chunk it receives with one byte. */
const answering = () =>
  new Promise<{ readonly server: Server; readonly port: number }>((resolve) => {
    const server = createServer((socket) => socket.on("data", () => socket.write("!")));
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address !== null ? address.port : 0 });
    });
  });

describe("RoundTripProxy", () => {
  it("counts what a client sends before each answer as one flight", async () => {
    const { server, port } = await answering();
    const proxy = await RoundTripProxy.start(port, 5);
    const socket = connect(proxy.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    const answered = () => new Promise((resolve) => socket.once("data", resolve));
    try {
      // Two writes without waiting: one flight.
      const first = answered();
      socket.write("a");
      socket.write("b");
      await first;
      assert.strictEqual(proxy.flights(), 1);
      // Sent after the answer: a second.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const second = answered();
      socket.write("c");
      await second;
      assert.strictEqual(proxy.flights(), 2);
      proxy.reset();
      assert.strictEqual(proxy.flights(), 0);
    } finally {
      socket.destroy();
      await proxy.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
