import { randomBytes } from "node:crypto";
import { MigratedDatabase, layer as migratedLayer } from "@beep/db-admin/testing";
import { RequestLog, Token } from "@beep/server";
import { freePort } from "@beep/testkit/embedded";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Layer, Redacted } from "effect";
import postgres from "postgres";
import * as BypassRole from "../src/BypassRole.ts";
import * as Dataset from "../src/Dataset.ts";
import * as HttpServer from "../src/HttpServer.ts";

const SIZE: Dataset.Size = { organizations: 3, documents: 90 };
const SECRET = randomBytes(33).toString("base64url");

/** The ids of the first page an organization's token gets from a variant's server. */
const firstPage = (
  options: Omit<HttpServer.Options, "port" | "authSecret" | "poolMax" | "contextKey">,
  contextKey: string,
  token: string,
) =>
  Effect.gen(function* () {
    const port = yield* Effect.promise(() => freePort());
    yield* Layer.build(
      HttpServer.layer({ ...options, contextKey, port, authSecret: SECRET, poolMax: 2 }).pipe(
        // Request log lines would go to the test's output.
        Layer.provide(Layer.succeed(RequestLog.LogSink, () => {})),
      ),
    );
    return yield* Effect.promise(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/documents?limit=100`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as { items?: Array<{ id: string }> };
      return { status: response.status, ids: (body.items ?? []).map((item) => item.id).sort() };
    });
  }).pipe(Effect.scoped);

describe("the HTTP variants serve the caller's organization only", () => {
  it.layer(migratedLayer, { timeout: 120_000 })((it) => {
    it.scoped("shipped and rls as beep_app, filtered as the bypass role: the same page of the same organization", () =>
      Effect.gen(function* () {
        const db = yield* MigratedDatabase;
        yield* Dataset.load(db.adminUrl, SIZE);
        const [member] = yield* Dataset.members(db.adminUrl);
        if (member === undefined) return assert.fail("no member");
        // A bypass role of this database's own, dropped with the test: the bench's is cluster-wide.
        const bypassRole = `${db.name}_bypass`;
        yield* Effect.addFinalizer(() => Effect.ignore(BypassRole.drop(db.adminUrl, bypassRole)));
        const bypassUrl = yield* BypassRole.provision(db.adminUrl, "bench_http_test", bypassRole);
        const issuer = yield* Token.make(Redacted.make(SECRET));
        const { token } = yield* issuer.issue(member);
        const expected = yield* Effect.promise(async () => {
          const sql = postgres(db.adminUrl, { max: 1, onnotice: () => {} });
          try {
            const rows = await sql<Array<{ id: string }>>`
              SELECT id FROM documents_document WHERE organization_id = ${member.organizationId} ORDER BY id`;
            return rows.map((row) => row.id).sort();
          } finally {
            await sql.end();
          }
        });
        assert.strictEqual(expected.length, SIZE.documents / SIZE.organizations);
        const pages = {
          shipped: yield* firstPage({ variant: "shipped", databaseUrl: db.appUrl }, db.contextKey, token),
          rls: yield* firstPage({ variant: "rls", databaseUrl: db.appUrl }, db.contextKey, token),
          filtered: yield* firstPage({ variant: "filtered", databaseUrl: bypassUrl }, db.contextKey, token),
        };
        assert.deepStrictEqual(pages, {
          shipped: { status: 200, ids: expected },
          rls: { status: 200, ids: expected },
          filtered: { status: 200, ids: expected },
        });
      }),
    );
  });
});
