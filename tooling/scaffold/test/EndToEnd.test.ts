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

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command in the copy, with a progress line; `run` rejects unless it exits 0. */
const attempt = (cwd: string, command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<Outcome>((resolve, reject) => {
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
      resolve({ code, stdout, stderr });
    });
  });

const run = async (cwd: string, command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const outcome = await attempt(cwd, command, args, env);
  if (outcome.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${outcome.code}\n${outcome.stdout}\n${outcome.stderr}`);
  }
  return outcome;
};

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
    // A second run, or an opt-out without a reason, is refused in one line and writes nothing.
    const files = () => execFileSync("git", ["status", "--porcelain", "-uall"], { cwd: copy, encoding: "utf8" });
    const written = files();
    const again = await attempt(".", "bun", ["run", "slice:new", "billing"]);
    assert.strictEqual(again.code, 1);
    assert.match(again.stderr, /^AlreadyExists: slice "billing" already exists/m);
    const reasonless = await attempt(".", "bun", ["run", "table:new", "billing", "ledger", "--mode", "none"]);
    assert.strictEqual(reasonless.code, 1);
    assert.match(reasonless.stderr, /^BadArguments: --mode none needs --reason/m);
    assert.strictEqual(files(), written);
    // What the generators wrote passes the linter and the type checker as it is.
    await run(".", "bunx", ["biome", "check", "packages/billing/tables", "packages/_internal/db-admin"]);
    await run("packages/billing/tables", "bunx", ["tsc", "--noEmit"]);
    // Test runs in the copy use this run's server (DATABASE_URL) rather than starting their own.
    const server = { DATABASE_URL: Testkit.adminUrl() };
    await run("packages/billing/tables", "bunx", ["vitest", "run"], server);

    // db:generate syncs first: with the schema entry as it was before the slice, it still finds the billing tables.
    cpSync(
      join(ROOT, "packages/_internal/db-admin/src/schema.ts"),
      join(copy, "packages/_internal/db-admin/src/schema.ts"),
    );
    const before = new Set(readdirSync(join(copy, "packages/_internal/db-admin/drizzle")));
    const generate = await run(".", "bun", ["run", "db:generate"]);
    assert.include(generate.stdout, "wrote packages/_internal/db-admin/src/schema.ts");
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
    // The new slice's AGENTS.md block compiles and loads, as every AGENTS.md block does.
    await run("specs", "bunx", ["vitest", "run", "test/Docs.test.ts"], server);
  }, 300_000);
});
