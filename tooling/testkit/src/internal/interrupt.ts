import { existsSync, readFileSync } from "node:fs";

/** The signals that end a run early (Ctrl-C, a task runner stopping a task when another failed, a closed terminal). */
const SIGNALS: ReadonlyArray<NodeJS.Signals> = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Runs `cleanup` should the process exit, or be ended by a signal, before the returned `release` is called: what a
 * started server needs so that an interrupted run leaves neither its process nor its files. After a signal, the
 * signal then ends the process as it would have, unless something else of the process still handles it.
 * `cleanup` must be synchronous: on "exit" nothing asynchronous runs. First in line, on the signals and on "exit":
 * vitest's own handlers call `process.exit()`, and listeners after one that does never run.
 */
export const cleanupOnInterrupt = (cleanup: () => void): (() => void) => {
  const onExit = () => {
    release();
    cleanup();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    onExit();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const release = () => {
    process.off("exit", onExit);
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
  process.prependOnceListener("exit", onExit);
  for (const signal of SIGNALS) process.prependOnceListener(signal, onSignal);
  return release;
};

/** Blocks this thread for `ms`: waiting inside an exit handler, where no timer fires. */
const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * True while a process of `pid` runs. An exited child stays a zombie until its parent reaps it, which this process
 * does only between event-loop turns, so a blocked wait must read the state (Linux's /proc), not just signal 0.
 */
export const isAlive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && existsSync("/proc/self/stat")) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Sends `signal` to `pid`, then waits up to `ms` for it to be gone; true when it is. */
export const endSync = (pid: number, signal: NodeJS.Signals, ms: number): boolean => {
  try {
    process.kill(pid, signal);
  } catch {
    return !isAlive(pid);
  }
  for (let waited = 0; waited < ms && isAlive(pid); waited += 25) sleepSync(25);
  return !isAlive(pid);
};
