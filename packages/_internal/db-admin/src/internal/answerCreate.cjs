"use strict";
/**
 * Preloaded into drizzle-kit (`node --require`) by `DrizzleKit.run`, which gives it no terminal: its prompts (hanji)
 * refuse to run without one, so a table's first grants (baseline policy gone, grant policies new) made it ask
 * "created or renamed?" and fail. Each prompt gets Enter at once, which picks its first choice, create: a rename is
 * never assumed. A renamed column or table so comes out dropped and created, which `Generate`'s destructive-change
 * guard refuses without --allow-destructive.
 */
process.stdin.isTTY = true;
process.stdout.isTTY = true;
process.stdin.setRawMode = function setRawMode() {
  return this;
};
const on = process.stdin.on;
process.stdin.on = function onAnswering(event, listener) {
  const result = on.call(this, event, listener);
  // A prompt listens for keypresses before it is ready to be answered: answer on the next turn.
  if (event === "keypress") setImmediate(() => listener("\r", { name: "return", sequence: "\r" }));
  return result;
};
