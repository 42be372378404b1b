// Plain JavaScript: vitest loads config files with Node, which cannot import TypeScript from a package.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** The shared vitest config: one real PostgreSQL per run, started by the global setup. */
export const beepTestConfig = (config = {}) =>
  defineConfig({
    test: {
      globalSetup: [fileURLToPath(new URL("./globalSetup.ts", import.meta.url))],
      include: ["test/**/*.test.ts"],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      ...config,
    },
  });
