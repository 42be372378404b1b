import { accessSync, constants } from "node:fs";

/** True when `path` exists and this process may run it. */
export const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
