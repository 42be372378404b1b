import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "@effect/vitest";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface DryTask {
  readonly taskId: string;
  readonly package: string;
  readonly directory: string;
  readonly dependencies: ReadonlyArray<string>;
}

/** The workspace packages a package depends on, from its package.json. */
const workspaceDependencies = (directory: string, workspace: ReadonlySet<string>): ReadonlyArray<string> => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, directory, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((name) => workspace.has(name));
};

describe("turbo's cache", () => {
  // A cached pass is replayed when a task's hash is unchanged: the hash must cover what the tests import (the
  // workspace packages they depend on, db-admin's migrations among them), not only the package's own files.
  it("every package's test hash covers the packages it depends on (a transit task per dependency)", () => {
    const dry = JSON.parse(
      execFileSync("bunx", ["turbo", "run", "test", "--dry=json"], { cwd: REPO_ROOT, encoding: "utf8" }),
    ) as { tasks: ReadonlyArray<DryTask> };
    const byId = new Map(dry.tasks.map((task) => [task.taskId, task]));
    const workspace = new Set(dry.tasks.map((task) => task.package));
    const tested = dry.tasks.filter((task) => task.taskId.endsWith("#test"));
    assert.isAbove(tested.length, 5);
    for (const task of tested) {
      assert.include(
        task.dependencies,
        `${task.package}#transit`,
        `${task.taskId} does not depend on its transit task`,
      );
      const transit = byId.get(`${task.package}#transit`);
      for (const dependency of workspaceDependencies(task.directory, workspace)) {
        assert.include(transit?.dependencies ?? [], `${dependency}#transit`, `${task.taskId} ignores ${dependency}`);
      }
    }
  });
});
