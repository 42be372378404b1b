import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { IamEntityIds } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Redacted } from "effect";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { OPENAPI_PATH } from "../src/Server.ts";
import * as Token from "../src/Token.ts";
import { adminQuery, call } from "./support/Client.ts";
import { AUTH_SECRET, layer, TestServer } from "./support/TestServer.ts";

/**
 * A client written against types generated from the served document: it must type-check (and its
 * `@ts-expect-error` lines must be errors: `limit` is a number, unknown parameters and paths do not exist), then
 * run against the server. Only reads: they work whatever role a request runs with.
 */
const CLIENT = `
import createClient from "openapi-fetch";
import type { components, paths } from "./api";

type Organization = components["schemas"]["Organization"];

export const run = async (baseUrl: string, token: string) => {
  const client = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${token}\` } });
  const organization = await client.GET("/v1/organization");
  if (organization.data === undefined) throw new Error(\`organization: \${organization.response.status}\`);
  const read: Organization = organization.data;
  const createdAt: string = read.createdAt;
  const documents = await client.GET("/v1/documents", { params: { query: { limit: 5 } } });
  const tooMany = await client.GET("/v1/documents", { params: { query: { limit: 101 } } });
  const missing = await client.GET("/v1/documents/{id}", {
    params: { path: { id: "documents_document__01900000-0000-7000-8000-000000000000" } },
  });
  const health = await createClient<paths>({ baseUrl }).GET("/health");
  return {
    organization: { id: read.id, name: read.name, createdAt },
    documents: { status: documents.response.status, items: documents.data?.items, nextCursor: documents.data?.nextCursor },
    tooMany: { status: tooMany.response.status, tag: tooMany.error?._tag, message: tooMany.error?.message },
    missing: { status: missing.response.status, tag: missing.error?._tag },
    health: health.data?.database,
  };
};

// Never called: what the compiler must refuse.
export const mistakes = (client: ReturnType<typeof createClient<paths>>) => {
  // @ts-expect-error limit is an integer, not text
  void client.GET("/v1/documents", { params: { query: { limit: "5" } } });
  // @ts-expect-error there is no such parameter
  void client.GET("/v1/documents", { params: { query: { limt: 5 } } });
  // @ts-expect-error there is no such path
  void client.GET("/v1/nothing");
  // @ts-expect-error a title is required
  void client.POST("/v1/documents", { body: { content: "x" } });
};
`;

const serverDir = fileURLToPath(new URL("..", import.meta.url));

/** Type-checks `file` strictly; the diagnostics, formatted, or an empty string. */
const typeCheck = (file: string) => {
  const program = ts.createProgram([file], {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
    types: [],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => serverDir,
    getNewLine: () => "\n",
  });
};

/** A user, an organization and the owner membership, written as the superuser (signup needs a role to write). */
const seedTenant = (name: string) =>
  Effect.gen(function* () {
    const userId = SharedEntityIds.UserId.create();
    const organizationId = SharedEntityIds.OrganizationId.create();
    yield* adminQuery("insert into shared_user (id, email, name) values ($1, $2, $3)", [
      userId,
      `${userId}@typed.example`,
      "Typed",
    ]);
    yield* adminQuery("insert into shared_organization (id, name) values ($1, $2)", [organizationId, name]);
    yield* adminQuery("insert into iam_member (id, organization_id, user_id, role) values ($1, $2, $3, 'owner')", [
      IamEntityIds.MemberId.create(),
      organizationId,
      userId,
    ]);
    const tokens = yield* Token.make(Redacted.make(AUTH_SECRET));
    const { token } = yield* tokens.issue({ userId, organizationId });
    return { organizationId, token };
  });

describe("a typed client generated from the document", () => {
  it.layer(layer)((it) => {
    it.effect(
      "openapi-typescript types type-check a client program, which then calls the server with openapi-fetch",
      () =>
        Effect.gen(function* () {
          const server = yield* TestServer;
          const tenant = yield* seedTenant("Typed Co");
          const document = yield* call("GET", OPENAPI_PATH);
          assert.strictEqual(document.status, 200);
          const dir = yield* Effect.acquireRelease(
            Effect.promise(() => mkdtemp(join(tmpdir(), "beep-typed-client-"))),
            (path) => Effect.promise(() => rm(path, { recursive: true, force: true })),
          );
          const result = yield* Effect.promise(async () => {
            const spec = join(dir, "openapi.json");
            await writeFile(spec, JSON.stringify(document.body));
            const types = astToString(await openapiTS(pathToFileURL(spec)));
            await writeFile(join(dir, "api.d.ts"), types);
            await writeFile(join(dir, "client.ts"), CLIENT);
            // The client resolves openapi-fetch from this package's dependencies.
            await symlink(join(serverDir, "node_modules"), join(dir, "node_modules"), "dir");
            const errors = typeCheck(join(dir, "client.ts"));
            const client = errors === "" ? await import(pathToFileURL(join(dir, "client.ts")).href) : undefined;
            return { types, errors, answers: await client?.run(server.baseUrl, tenant.token) };
          });
          assert.strictEqual(result.errors, "");
          assert.match(result.types, /limit\?: number/);
          assert.deepStrictEqual(result.answers.organization.id, tenant.organizationId);
          assert.deepStrictEqual(result.answers.organization.name, "Typed Co");
          assert.isFalse(Number.isNaN(Date.parse(result.answers.organization.createdAt)));
          assert.strictEqual(result.answers.documents.status, 200);
          assert.isArray(result.answers.documents.items);
          assert.isNull(result.answers.documents.nextCursor);
          assert.deepStrictEqual(result.answers.tooMany, {
            status: 400,
            tag: "HttpApiDecodeError",
            message: result.answers.tooMany.message,
          });
          assert.include(result.answers.tooMany.message, "limit must be between 1 and 100");
          assert.deepStrictEqual(result.answers.missing, { status: 404, tag: "NotFound" });
          assert.strictEqual(result.answers.health, "ok");
        }).pipe(Effect.scoped),
      60_000,
    );
  });
});
