import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, it } from "vitest";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

it("a failing test makes a run that started PostgreSQL exit non-zero", () => {
  const run = spawnSync(
    process.execPath,
    [
      join(packageDir, "node_modules", "vitest", "vitest.mjs"),
      "run",
      "--config",
      "test/fixtures/vitest.fixture.config.ts",
    ],
    { cwd: packageDir, encoding: "utf8", env: { ...process.env, CI: "true" }, timeout: 120_000 },
  );
  assert.include(run.stdout + run.stderr, "fails on purpose");
  assert.strictEqual(run.status, 1, run.stdout + run.stderr);
});
