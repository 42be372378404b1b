import type { ViteUserConfig } from "vitest/config";

export interface BeepTestOptions {
  /** Start one Citus cluster per run (or use `CITUS_URL`) for `Testkit.citus()` and `describeWithCitus`. */
  readonly citus?: boolean;
}

/**
 * The shared vitest config: one real PostgreSQL per run, started by the global setup, and with
 * `{ citus: true }` one Citus cluster per run too.
 */
export declare const beepTestConfig: (config?: ViteUserConfig["test"], options?: BeepTestOptions) => ViteUserConfig;
