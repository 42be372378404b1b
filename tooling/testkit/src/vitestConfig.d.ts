import type { ViteUserConfig } from "vitest/config";

/** The shared vitest config: one real PostgreSQL per run, started by the global setup. */
export declare const beepTestConfig: (config?: ViteUserConfig["test"]) => ViteUserConfig;
