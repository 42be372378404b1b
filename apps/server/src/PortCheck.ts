import { createServer } from "node:net";
import { Data, Effect } from "effect";

export class PortInUse extends Data.TaggedError("PortInUse")<{ readonly host: string; readonly port: number }> {
  override get message() {
    return `port ${this.port} on ${this.host} is already in use (is another \`bun run dev\` running?); stop it or set PORT`;
  }
}

export class PortUnavailable extends Data.TaggedError("PortUnavailable")<{
  readonly host: string;
  readonly port: number;
  readonly reason: string;
}> {
  override get message() {
    return `cannot listen on ${this.host}:${this.port}: ${this.reason}`;
  }
}

/** Binds the port for a moment and lets it go: cheap, so it runs before any database work. */
export const ensureFree = (host: string, port: number): Effect.Effect<void, PortInUse | PortUnavailable> =>
  Effect.async((resume) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      resume(
        Effect.fail(
          error.code === "EADDRINUSE"
            ? new PortInUse({ host, port })
            : new PortUnavailable({ host, port, reason: error.message }),
        ),
      );
    });
    probe.listen({ host, port, exclusive: true }, () => {
      probe.close(() => resume(Effect.void));
    });
  });
