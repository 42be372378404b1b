import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The specs package folder (where the specs live) and the repo root above it. */
export const SPECS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = join(SPECS_DIR, "..");
