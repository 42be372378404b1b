import { join } from "node:path";

/** The repository root, seen from this file (tooling/bench/src/internal). */
export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..", "..");

/** The child process that serves one HTTP variant (`src/bin/httpServer.ts`). */
export const HTTP_SERVER_ENTRY = join(import.meta.dirname, "..", "bin", "httpServer.ts");
