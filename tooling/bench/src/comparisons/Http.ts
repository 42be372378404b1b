import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Token } from "@beep/server";
import { freePort } from "@beep/testkit/embedded";
import { Effect, Redacted, type Scope } from "effect";
import { HttpServerFailed, type OperationFailed } from "../BenchErrors.ts";
import type * as Dataset from "../Dataset.ts";
import type * as HttpServer from "../HttpServer.ts";
import * as Interleave from "../Interleave.ts";
import { HTTP_SERVER_ENTRY, REPO_ROOT } from "../internal/paths.ts";
import * as MinimalServer from "../MinimalServer.ts";
import * as Results from "../Results.ts";
import * as Targets from "../Targets.ts";

export const TITLE =
  "GET /v1/documents: RLS versus the same handler with an explicit filter and a bypass role; apps/server versus a minimal server";

/** A server process of section 4: one of `HttpServer`'s, or `MinimalServer`. */
export type Variant = HttpServer.Variant | typeof MinimalServer.VARIANT;
const VARIANTS: ReadonlyArray<Variant> = ["shipped", "rls", "filtered", MinimalServer.VARIANT];

/** Why section 4 cannot run here, or undefined when it can. */
export const unavailableReason = (): string | undefined =>
  existsSync(join(REPO_ROOT, "apps", "server", "package.json")) ? undefined : "not run: apps/server not available";

const LABELS: Readonly<Record<Variant, string>> = {
  shipped: "apps/server as it ships (all routes), beep_app: RLS alone",
  rls: "the list route alone, apps/server's handler, beep_app: RLS alone",
  filtered: "the same route and handler + WHERE organization_id, BYPASSRLS role",
  minimal: "the same work on Bun.serve, jose and postgres.js (MinimalServer), beep_app: RLS alone",
};

/** CPU time (user + system) a process has used so far, in microseconds (Linux `/proc`); NaN elsewhere. */
export const processCpuMicros = (pid: number | undefined): number => {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 a second).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
};

/** A running server process of one variant. */
interface Running {
  readonly variant: Variant;
  readonly port: number;
  readonly child: ChildProcess;
  readonly stderr: Array<string>;
}

/** Peak resident memory of a process (Linux `VmHWM`), in MiB; NaN elsewhere. */
export const peakMemoryMiB = (pid: number | undefined): number => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kilobytes = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
    return kilobytes / 1024;
  } catch {
    return Number.NaN;
  }
};

const serve = (variant: Variant, databaseUrl: string, contextKey: string, authSecret: string, poolMax: number) =>
  Effect.acquireRelease(
    Effect.promise(async (): Promise<Running> => {
      const port = await freePort();
      const stderr: Array<string> = [];
      const child = spawn(process.execPath, [HTTP_SERVER_ENTRY], {
        env: {
          ...process.env,
          BENCH_HTTP_VARIANT: variant,
          BENCH_HTTP_PORT: String(port),
          BENCH_HTTP_DATABASE_URL: databaseUrl,
          BENCH_HTTP_CONTEXT_KEY: contextKey,
          BENCH_HTTP_AUTH_SECRET: authSecret,
          BENCH_HTTP_POOL_MAX: String(poolMax),
        },
        // Request log lines go to stdout, as in production; nobody reads them here.
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr?.on("data", (chunk) => stderr.push(String(chunk)));
      return { variant, port, child, stderr };
    }),
    (running) =>
      Effect.promise(
        () =>
          new Promise<void>((resolve) => {
            if (running.child.exitCode !== null) return resolve();
            running.child.once("exit", () => resolve());
            running.child.kill("SIGTERM");
          }),
      ),
  );

/** Polls the route with a real token until it answers 200: the process is up, migrated data reachable. */
const ready = (running: Running, token: string) =>
  Effect.tryPromise({
    try: async () => {
      const deadline = Date.now() + 30_000;
      let last = "no answer";
      while (Date.now() < deadline) {
        if (running.child.exitCode !== null) break;
        try {
          const response = await fetch(`http://127.0.0.1:${running.port}/v1/documents`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await response.arrayBuffer();
          if (response.status === 200) return;
          last = `status ${response.status}`;
        } catch (cause) {
          last = cause instanceof Error ? cause.message : String(cause);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`not ready (${last}): ${running.stderr.join("").slice(-2000)}`);
    },
    catch: (cause) => new HttpServerFailed({ variant: running.variant, cause }),
  });

/** The database the servers read: its logins, and the context key installed in it (the servers sign with it). */
export interface Urls {
  readonly adminUrl: string;
  readonly appUrl: string;
  readonly bypassUrl: string;
  readonly contextKey: string;
}

export interface HttpResult {
  readonly comparisons: ReadonlyArray<Results.Comparison>;
  /** Per variant, the server process's peak resident memory over the whole section, in MiB. */
  readonly peakMemoryMiB: ReadonlyArray<{ readonly key: string; readonly label: string; readonly mib: number }>;
}

export const ratios: ReadonlyArray<Results.RatioSpec> = [
  { numerator: "rls", denominator: "filtered", metric: "throughput" },
  { numerator: "rls", denominator: "filtered", metric: "latency" },
  { numerator: "shipped", denominator: "rls", metric: "throughput" },
  { numerator: "shipped", denominator: "minimal", metric: "throughput" },
];

/** apps/server keeps at least 70% of what the same work written directly on Bun and postgres.js serves. */
export const targets = (clients: number): ReadonlyArray<Targets.Spec> =>
  clients === 8
    ? [{ numerator: "shipped", denominator: "minimal", metric: "throughput", comparator: ">=", threshold: 0.7 }]
    : [];

/** apps/server's peak resident memory under the run, in MiB. */
export const PEAK_MEMORY_MIB = 150;

/** The bound on the shipped server's peak memory; not run where the OS does not report it. */
export const memoryTarget = (peaks: HttpResult["peakMemoryMiB"], clients: number): Targets.Target => {
  const text = `shipped peak RSS <= ${PEAK_MEMORY_MIB} MiB`;
  const mib = peaks.find((entry) => entry.key === "shipped")?.mib ?? Number.NaN;
  return Number.isNaN(mib)
    ? Targets.notRun(4, "http/documents", `${text}: not run, no peak memory reported here`)
    : Targets.onValue({ section: 4, comparison: "http/documents", clients }, text, mib, "<=", PEAK_MEMORY_MIB, "MiB");
};

/**
 * Four server processes (one per variant, each with a pool of `poolMax`), then each client count's
 * requests interleaved across them; tokens of `members` are used round-robin.
 */
export const compare = (
  urls: Urls,
  members: ReadonlyArray<Dataset.Member>,
  concurrency: ReadonlyArray<number>,
  plan: Omit<Interleave.Plan, "clients">,
  poolMax: number,
): Effect.Effect<HttpResult, OperationFailed | HttpServerFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const secret = randomBytes(33).toString("base64url");
    const tokens = yield* Token.make(Redacted.make(secret)).pipe(
      Effect.flatMap((issuer) =>
        Effect.forEach(members.slice(0, 100), (member) =>
          issuer.issue({ userId: member.userId, organizationId: member.organizationId }),
        ),
      ),
      Effect.map((issued) => issued.map((entry) => entry.token)),
      Effect.mapError((cause) => new HttpServerFailed({ variant: "all", cause })),
    );
    const first = tokens[0];
    if (first === undefined)
      return yield* new HttpServerFailed({ variant: "all", cause: "no member to issue a token for" });
    const servers: Array<Running> = [];
    for (const variant of VARIANTS) {
      const databaseUrl = variant === "filtered" ? urls.bypassUrl : urls.appUrl;
      const running = yield* serve(variant, databaseUrl, urls.contextKey, secret, poolMax);
      yield* ready(running, first);
      servers.push(running);
    }
    const variants = servers.map((running): Interleave.Variant => {
      let next = 0;
      const url = `http://127.0.0.1:${running.port}/v1/documents`;
      return {
        key: running.variant,
        label: LABELS[running.variant],
        serverCpuMicros: () => processCpuMicros(running.child.pid),
        run: async () => {
          const token = tokens[next++ % tokens.length];
          const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
          await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`${running.variant}: status ${response.status}`);
        },
      };
    });
    const comparisons: Array<Results.Comparison> = [];
    for (const clients of concurrency) {
      const samples = yield* Interleave.measure(variants, { ...plan, clients });
      comparisons.push(
        Results.summarize({ section: 4, id: "http/documents", title: "GET /v1/documents", clients }, samples, ratios),
      );
    }
    return {
      comparisons,
      peakMemoryMiB: servers.map((running) => ({
        key: running.variant,
        label: LABELS[running.variant],
        mib: peakMemoryMiB(running.child.pid),
      })),
    };
  });
