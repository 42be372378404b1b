import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loginFor } from "@beep/db-admin/testing";
import { EmbeddedPostgres, Testkit } from "@beep/testkit";
import { afterAll, assert, describe, it } from "@effect/vitest";
import { REPO_DIR, removeScratch, runShell, startDev, waitFor, within } from "./support/DevProcess.ts";

afterAll(removeScratch);

// The README's newcomer steps: the `sh` block marked `<!-- tested: newcomer -->` and the `text` block after it.
const README = readFileSync(join(REPO_DIR, "README.md"), "utf8");
const section = /<!-- tested: newcomer -->\n```sh\n([\s\S]*?)```\n\nprints:\n\n```text\n([\s\S]*?)```/.exec(README);

describe("the README's newcomer path", () => {
  it("has its steps and what they print", () => {
    assert.isNotNull(section, "README.md has a sh block marked tested: newcomer, followed by what it prints");
  });

  it("against bun run dev: sign in, create an organization, invite a second user who accepts, roles hold", {
    timeout: 180_000,
  }, async () => {
    const [, steps = "", printed = ""] = section ?? [];
    const database = await Testkit.createDatabase("newcomer");
    const login = await loginFor(database);
    const port = await EmbeddedPostgres.freePort();
    const dev = startDev({
      PORT: String(port),
      DATABASE_URL: database.url,
      APP_DATABASE_URL: login.url,
      AUTH_SECRET: "a-newcomer-test-secret-of-32-characters",
      BEEP_CONTEXT_KEY: "a-context-key-for-the-newcomer-test-0123",
    });
    try {
      await waitFor(dev, /sign in as anyone/, 120_000);
      const run = runShell(steps, { API: `http://127.0.0.1:${port}/v1` }, REPO_DIR);
      assert.strictEqual(await within(run.exited, 60_000, "the steps did not finish"), 0, run.output());
      assert.strictEqual(run.output(), printed, dev.output().slice(-2000));
    } finally {
      dev.child.kill("SIGTERM");
      await within(dev.exited, 30_000, "dev did not exit");
      await login.drop();
      await database.drop();
    }
  });
});
