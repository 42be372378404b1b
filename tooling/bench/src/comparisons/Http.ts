import { existsSync } from "node:fs";
import { join } from "node:path";

/** The repository root, seen from this file (tooling/bench/src/comparisons). */
export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..", "..");

export const SERVER_DIR = join(REPO_ROOT, "apps", "server");

export const TITLE = "GET /v1/documents, RLS vs explicit filter with a bypass role";

/** Why section 4 cannot run here, or undefined when it can. */
export const unavailableReason = (): string | undefined =>
  existsSync(join(SERVER_DIR, "package.json")) ? undefined : "not run: apps/server not available";
