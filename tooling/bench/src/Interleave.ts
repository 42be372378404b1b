import { Effect } from "effect";
import { OperationFailed } from "./BenchErrors.ts";
import * as Stats from "./Stats.ts";

/** One side of a comparison: a unit of work that a client repeats as fast as it can. */
export interface Variant {
  /** Short key used in ratios, e.g. `A`. */
  readonly key: string;
  readonly label: string;
  /** One operation; `client` is the index of the calling client (0..clients-1). */
  readonly run: (client: number) => Promise<unknown>;
  /**
   * When another process does the work (a server), its CPU time so far in microseconds, read before and after
   * each slice; NaN where it cannot be read.
   */
  readonly serverCpuMicros?: () => number;
}

export interface Plan {
  /** Concurrent clients, each running operations back to back. */
  readonly clients: number;
  readonly rounds: number;
  /** How long each variant runs in each round. */
  readonly sliceMs: number;
  /** How long each variant runs once, unmeasured, before the first round. */
  readonly warmupMs: number;
}

/** What one variant did in one slice. */
export interface Slice {
  readonly operations: number;
  readonly elapsedMs: number;
  readonly latenciesMs: ReadonlyArray<number>;
  /** CPU time (user + system) this process spent during the slice, in microseconds: the clients' cost. */
  readonly cpuMicros: number;
}

/** Per round, one figure for each variant, in round order. */
export interface Samples {
  readonly key: string;
  readonly label: string;
  /** Operations per second, one per round. */
  readonly throughputs: ReadonlyArray<number>;
  /** Median latency of the round's operations, one per round. */
  readonly latenciesMs: ReadonlyArray<number>;
  /** Client CPU per operation in microseconds, one per round. */
  readonly cpuPerOperationUs: ReadonlyArray<number>;
  /** The serving process's CPU per operation in microseconds, one per round (variants with `serverCpuMicros`). */
  readonly serverCpuPerOperationUs?: ReadonlyArray<number>;
}

/**
 * The order variants run in, round by round: each round runs every variant once, and the starting
 * variant rotates (AB, BA, ... or ABC, BCA, CAB, ...) so that no variant always runs right after another.
 */
export const schedule = (variants: number, rounds: number): ReadonlyArray<ReadonlyArray<number>> =>
  Array.from({ length: rounds }, (_, round) =>
    Array.from({ length: variants }, (_, position) => (round + position) % variants),
  );

/**
 * Runs `run` from `clients` concurrent loops until `durationMs` has passed; in-flight operations finish. Every
 * client runs at least once: a loop that starts after the deadline (the process was held up) would leave the slice
 * with no operation to measure.
 */
export const runSlice = async (
  run: (client: number) => Promise<unknown>,
  clients: number,
  durationMs: number,
): Promise<Slice> => {
  const latenciesMs: Array<number> = [];
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const deadline = start + durationMs;
  const loop = async (client: number) => {
    do {
      const began = performance.now();
      await run(client);
      latenciesMs.push(performance.now() - began);
    } while (performance.now() < deadline);
  };
  await Promise.all(Array.from({ length: clients }, (_, client) => loop(client)));
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  return { operations: latenciesMs.length, elapsedMs, latenciesMs, cpuMicros: cpu.user + cpu.system };
};

const sliceOf = (variant: Variant, clients: number, durationMs: number) =>
  Effect.tryPromise({
    try: () => runSlice(variant.run, clients, durationMs),
    catch: (cause) => new OperationFailed({ variant: variant.label, cause }),
  });

/** Warms every variant up, then runs the rounds of `schedule`, one slice per variant per round. */
export const measure = (
  variants: ReadonlyArray<Variant>,
  plan: Plan,
): Effect.Effect<ReadonlyArray<Samples>, OperationFailed> =>
  Effect.gen(function* () {
    for (const variant of variants) yield* sliceOf(variant, plan.clients, plan.warmupMs);
    const throughputs = variants.map((): Array<number> => []);
    const latencies = variants.map((): Array<number> => []);
    const cpu = variants.map((): Array<number> => []);
    const serverCpu = variants.map((): Array<number> => []);
    for (const order of schedule(variants.length, plan.rounds)) {
      for (const index of order) {
        const variant = variants[index];
        if (variant === undefined) continue;
        const serverBefore = variant.serverCpuMicros?.() ?? Number.NaN;
        const slice = yield* sliceOf(variant, plan.clients, plan.sliceMs);
        const serverMicros = (variant.serverCpuMicros?.() ?? Number.NaN) - serverBefore;
        serverCpu[index]?.push(slice.operations > 0 ? serverMicros / slice.operations : Number.NaN);
        throughputs[index]?.push(Stats.throughput(slice.operations, slice.elapsedMs));
        latencies[index]?.push(Stats.median(slice.latenciesMs));
        cpu[index]?.push(slice.operations > 0 ? slice.cpuMicros / slice.operations : Number.NaN);
      }
    }
    return variants.map((variant, index) => ({
      key: variant.key,
      label: variant.label,
      throughputs: throughputs[index] ?? [],
      latenciesMs: latencies[index] ?? [],
      cpuPerOperationUs: cpu[index] ?? [],
      ...(variant.serverCpuMicros === undefined ? {} : { serverCpuPerOperationUs: serverCpu[index] ?? [] }),
    }));
  });
