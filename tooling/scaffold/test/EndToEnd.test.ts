import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Testkit } from "@beep/testkit";
import { afterAll, assert, describe, it } from "@effect/vitest";

const ROOT = join(__dirname, "..", "..", "..");
const copy = mkdtempSync(join(tmpdir(), "beep-e2e-"));
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
  rmSync(copy, { recursive: true, force: true });
});

/** A command in the copy: its output, and its code (asserted 0 unless `allowFailure`). */
const run = (cwd: string, command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ readonly stdout: string; readonly stderr: string }>((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, {
      cwd: join(copy, cwd),
      env: { ...process.env, BEEP_CITUS: "off", BEEP_PGBOUNCER: "off", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      console.log(`e2e: ${[command, ...args].join(" ")} (in ${cwd}) -> ${code} in ${Date.now() - started} ms`);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}\n${stdout}\n${stderr}`));
    });
  });

/** The repository's tracked and untracked (not ignored) files, as they are now: no node_modules, no .data. */
const copyRepository = () => {
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" })
    .split("\0")
    .filter((file) => file !== "");
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  // Biome reads .gitignore through git.
  execFileSync("git", ["init", "-q"], { cwd: copy });
};

describe("a new slice, end to end, in a copy of the repository", () => {
  it("slice:new and table:new, then generate, migrate, verify, the slice's test and the isolation matrix", async () => {
    copyRepository();
    await run(".", "bun", ["install"]);
    const slice = await run(".", "bun", ["run", "slice:new", "billing"]);
    assert.include(slice.stdout, "wrote packages/billing/tables/src/tables/item.ts");
    assert.include(
      slice.stdout,
      "wrote packages/_internal/db-admin/src/schema.ts, packages/_internal/db-admin/package.json",
    );
    await run(".", "bun", ["run", "table:new", "billing", "payment", "--mode", "nullable"]);
    // What the generators wrote passes the linter and the type checker as it is.
    await run(".", "bunx", ["biome", "check", "packages/billing/tables", "packages/_internal/db-admin"]);
    await run("packages/billing/tables", "bunx", ["tsc", "--noEmit"]);
    // Test runs in the copy use this run's server (DATABASE_URL) rather than starting their own.
    const server = { DATABASE_URL: Testkit.adminUrl() };
    await run("packages/billing/tables", "bunx", ["vitest", "run"], server);

    const before = new Set(readdirSync(join(copy, "packages/_internal/db-admin/drizzle")));
    await run(".", "bun", ["run", "db:generate"]);
    const added = readdirSync(join(copy, "packages/_internal/db-admin/drizzle")).filter(
      (file) => file.endsWith(".sql") && !before.has(file),
    );
    const sql = added.map((file) => readFileSync(join(copy, "packages/_internal/db-admin/drizzle", file), "utf8"));
    assert.isTrue(
      sql.some((text) => text.includes('CREATE TABLE "billing_item"')),
      added.join(", "),
    );
    assert.isTrue(
      sql.some((text) => text.includes('CREATE TABLE "billing_payment"')),
      added.join(", "),
    );

    const database = await Testkit.createDatabase();
    cleanups.push(database.drop);
    const env = { DATABASE_URL: database.url, BEEP_CONTEXT_KEY: randomBytes(32).toString("base64url") };
    await run(".", "bun", ["run", "db:migrate"], env);
    const verify = await run(".", "bun", ["run", "db:verify"], env);
    assert.match(verify.stdout, /^billing_item\s+table\s+ok$/m);
    assert.match(verify.stdout, /^billing_payment\s+table\s+ok$/m);

    // The matrix in the copy, on this run's server: every tenant table, the two new ones among them.
    const registry = await run("packages/_internal/db-admin", "bun", [
      "-e",
      'import { Registry } from "./src/index.ts"; console.log(Registry.tenantTables.map((t) => t.metadata.tableName).join(","))',
    ]);
    const tenantTables = registry.stdout.trim().split(",");
    assert.includeMembers(tenantTables, ["billing_item", "billing_payment"]);
    const matrix = await run(
      "packages/shared/server",
      "bunx",
      ["vitest", "run", "test/IsolationMatrix.test.ts"],
      server,
    );
    assert.include(matrix.stdout, `isolation matrix: ${tenantTables.length} tables,`);
    assert.match(matrix.stdout, /isolation matrix: \d+ tables, \d+ cases, 0 leaks, 0 failures/);
  }, 300_000);
});
