import { assert } from "@effect/vitest";

/** The error `run` rejects with; fails the test when it resolves. */
export const errorOf = async (run: () => Promise<unknown>): Promise<Error> => {
  try {
    await run();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  return assert.fail("expected an error");
};
