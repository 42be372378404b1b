import { type ClientRequest, request as httpRequest, type RequestOptions } from "node:http";
import { connect } from "node:net";
import { Effect, Schedule } from "effect";

/**
 * A request that announces its body with `expect: 100-continue`: the server answers "100 Continue" once it has
 * parsed the headers and handed the request to the app, so `inFlight` resolving means the server holds the
 * request — the signal a test waits for instead of a sleep.
 */
export const announced = (url: string, options: RequestOptions) => {
  const request: ClientRequest = httpRequest(url, {
    ...options,
    headers: { ...options.headers, expect: "100-continue" },
  });
  const inFlight = new Promise<void>((resolve) => request.once("continue", () => resolve()));
  // Headers alone, now: the body waits for the server's go-ahead.
  request.flushHeaders();
  return { request, inFlight };
};

/** Whether `port` on 127.0.0.1 accepts a connection now (a probe, closed at once). */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

/** Waits until nothing listens on `port` any more: the server began closing. Polls; fails after `attempts`. */
export const stoppedListening = (port: number, attempts = 500) =>
  Effect.promise(() => accepts(port)).pipe(
    Effect.filterOrFail(
      (listening) => !listening,
      () => new Error(`127.0.0.1:${port} still accepts connections`),
    ),
    Effect.retry(Schedule.intersect(Schedule.spaced("10 millis"), Schedule.recurs(attempts))),
    Effect.asVoid,
  );
