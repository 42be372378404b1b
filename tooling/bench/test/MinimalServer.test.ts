import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { MigratedDatabase, layer as migratedLayer } from "@beep/db-admin/testing";
import { RequestLog, Token } from "@beep/server";
import { freePort } from "@beep/testkit/embedded";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Layer, Redacted } from "effect";
import * as Dataset from "../src/Dataset.ts";
import * as HttpServer from "../src/HttpServer.ts";
import { HTTP_SERVER_ENTRY } from "../src/internal/paths.ts";

const SIZE: Dataset.Size = { organizations: 3, documents: 90 };
const SECRET = randomBytes(33).toString("base64url");

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

const get = async (port: number, path: string, token: string): Promise<Answer> => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: response.status === 200 ? await response.json() : await response.text() };
};

/** apps/server (`shipped`), in this process. */
const shipped = (databaseUrl: string, contextKey: string) =>
  Effect.gen(function* () {
    const port = yield* Effect.promise(() => freePort());
    yield* Layer.build(
      HttpServer.layer({ variant: "shipped", databaseUrl, contextKey, port, authSecret: SECRET, poolMax: 2 }).pipe(
        Layer.provide(Layer.succeed(RequestLog.LogSink, () => {})),
      ),
    );
    return port;
  });

/** The minimal server as the bench runs it: `bin/httpServer.ts` under Bun (it serves with Bun.serve). */
const minimal = (databaseUrl: string, contextKey: string) =>
  Effect.gen(function* () {
    const port = yield* Effect.promise(() => freePort());
    const stderr: Array<string> = [];
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn("bun", [HTTP_SERVER_ENTRY], {
          env: {
            ...process.env,
            BENCH_HTTP_VARIANT: "minimal",
            BENCH_HTTP_PORT: String(port),
            BENCH_HTTP_DATABASE_URL: databaseUrl,
            BENCH_HTTP_CONTEXT_KEY: contextKey,
            BENCH_HTTP_AUTH_SECRET: SECRET,
            BENCH_HTTP_POOL_MAX: "2",
          },
          stdio: ["ignore", "ignore", "pipe"],
        }),
      ),
      (process) =>
        Effect.promise(
          () =>
            new Promise<void>((resolve) => {
              if (process.exitCode !== null) return resolve();
              process.once("exit", () => resolve());
              process.kill("SIGTERM");
            }),
        ),
    );
    child.stderr?.on("data", (chunk) => stderr.push(String(chunk)));
    yield* Effect.promise(async () => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && child.exitCode === null) {
        const up = await fetch(`http://127.0.0.1:${port}/`).then(
          () => true,
          () => false,
        );
        if (up) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`the minimal server did not start: ${stderr.join("")}`);
    });
    return port;
  });

describe("the minimal server does apps/server's list work", () => {
  it.layer(migratedLayer, { timeout: 120_000 })((it) => {
    it.scoped("the same status and body as apps/server for the same token and data", () =>
      Effect.gen(function* () {
        const db = yield* MigratedDatabase;
        yield* Dataset.load(db.adminUrl, SIZE);
        const members = yield* Dataset.members(db.adminUrl);
        const [first, second] = members;
        if (first === undefined || second === undefined || first.organizationId === second.organizationId) {
          return assert.fail("two members of two organizations expected");
        }
        const issuer = yield* Token.make(Redacted.make(SECRET));
        const { token } = yield* issuer.issue(first);
        // A user with another organization's id in the token: no membership there, 401 from both.
        const { token: stranger } = yield* issuer.issue({
          userId: second.userId,
          organizationId: first.organizationId,
        });
        const { token: forged } = yield* Token.make(Redacted.make(randomBytes(33).toString("base64url"))).pipe(
          Effect.flatMap((other) => other.issue(first)),
        );
        const ports = {
          shipped: yield* shipped(db.appUrl, db.contextKey),
          minimal: yield* minimal(db.appUrl, db.contextKey),
        };
        const ask = (port: number) =>
          Effect.promise(async () => {
            const page = await get(port, "/v1/documents", token);
            const cursor = (page.body as { nextCursor?: string | null }).nextCursor;
            return {
              page,
              next: await get(port, `/v1/documents?limit=7&cursor=${cursor}`, token),
              all: await get(port, "/v1/documents?limit=100", token),
              stranger: (await get(port, "/v1/documents", stranger)).status,
              forged: (await get(port, "/v1/documents", forged)).status,
            };
          });
        const fromShipped = yield* ask(ports.shipped);
        const fromMinimal = yield* ask(ports.minimal);
        // The data really pages: 30 documents of the organization, the default page of 20 and a cursor.
        assert.strictEqual(fromShipped.page.status, 200);
        assert.strictEqual((fromShipped.page.body as { items: Array<unknown> }).items.length, 20);
        assert.strictEqual((fromShipped.next.body as { items: Array<unknown> }).items.length, 7);
        assert.strictEqual((fromShipped.all.body as { items: Array<unknown> }).items.length, 30);
        assert.deepStrictEqual(
          { stranger: fromShipped.stranger, forged: fromShipped.forged },
          { stranger: 401, forged: 401 },
        );
        assert.deepStrictEqual(fromMinimal, fromShipped);
        // Key order too: the same bytes a client parses.
        assert.strictEqual(JSON.stringify(fromMinimal.page.body), JSON.stringify(fromShipped.page.body));
      }),
    );
  });
});
