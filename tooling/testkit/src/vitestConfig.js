// Plain JavaScript: vitest loads config files with Node, which cannot import TypeScript from a package.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/**
 * The shared vitest config: one real PostgreSQL per run, started by the global setup, and with
 * `{ citus: true }` one Citus cluster per run too (only packages that ask for it pay for its start).
 */
export const beepTestConfig = (config = {}, options = {}) =>
  defineConfig({
    test: {
      globalSetup: [here("./globalSetup.ts"), ...(options.citus === true ? [here("./citusSetup.ts")] : [])],
      include: ["test/**/*.test.ts"],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      ...config,
    },
  });
