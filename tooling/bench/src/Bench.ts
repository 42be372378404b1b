import { Effect, type Option, type Scope } from "effect";
import * as BenchDatabase from "./BenchDatabase.ts";
import {
  type DatabaseUnavailable,
  type HttpServerFailed,
  type LoadFailed,
  NoFigures,
  type OperationFailed,
} from "./BenchErrors.ts";
import * as Http from "./comparisons/Http.ts";
import * as PoolMode from "./comparisons/PoolMode.ts";
import * as RlsVsFilter from "./comparisons/RlsVsFilter.ts";
import * as Scale from "./comparisons/Scale.ts";
import * as SingleVsCitus from "./comparisons/SingleVsCitus.ts";
import * as TenantSetting from "./comparisons/TenantSetting.ts";
import * as Dataset from "./Dataset.ts";
import type * as Interleave from "./Interleave.ts";
import * as Machine from "./Machine.ts";
import type * as Profile from "./Profile.ts";
import * as Queries from "./Queries.ts";
import type * as Results from "./Results.ts";
import * as Targets from "./Targets.ts";
import * as TenantRuntime from "./TenantRuntime.ts";

export interface NotRun {
  readonly section: Results.Section;
  readonly title: string;
  readonly reason: string;
}

export interface Report {
  readonly profile: Profile.Profile;
  readonly machine: Machine.Info;
  readonly server: {
    readonly kind: "embedded" | "external";
    readonly version: string;
    readonly sharedBuffers: string;
    readonly sharedBuffersBytes: number;
  };
  /** Each database of the run: its size and the on-disk size of its documents table. */
  readonly datasets: ReadonlyArray<Dataset.Size & { readonly documentsBytes: number }>;
  readonly startedAt: Date;
  /** One-minute load average before and after the run (the machine may be shared). */
  readonly load: { readonly before: number; readonly after: number };
  readonly seconds: number;
  readonly comparisons: ReadonlyArray<Results.Comparison>;
  readonly targets: ReadonlyArray<Targets.Target>;
  readonly notRun: ReadonlyArray<NotRun>;
  /** Section 5's cluster and data, when it ran. */
  readonly cluster: string | undefined;
  /** Section 4's server processes: peak resident memory of each, in MiB. */
  readonly httpPeakMemoryMiB: ReadonlyArray<{ readonly key: string; readonly label: string; readonly mib: number }>;
}

export type BenchError = DatabaseUnavailable | LoadFailed | OperationFailed | HttpServerFailed;

type PeakMemory = Report["httpPeakMemoryMiB"];

/** Fails when a target that ran has no figure: what CI checks (never whether targets are met). */
export const requireFigures = (targets: ReadonlyArray<Targets.Target>): Effect.Effect<void, NoFigures> => {
  const missing = targets.filter((target) => target.status !== "not run" && Number.isNaN(target.value));
  return missing.length === 0
    ? Effect.void
    : Effect.fail(
        new NoFigures({ targets: missing.map((target) => `${target.comparison} x${target.clients} ${target.text}`) }),
      );
};

const planFor = (profile: Profile.Profile, clients: number): Interleave.Plan => ({
  clients,
  rounds: profile.rounds,
  sliceMs: profile.sliceMs,
  warmupMs: profile.warmupMs,
});

const count = (n: number) => n.toLocaleString("en-US");

interface Prepared {
  readonly size: Dataset.Size;
  readonly database: BenchDatabase.Database;
  readonly keys: Dataset.Keys;
}

/** One migrated database per size of the scale series, filled and sampled. */
const prepare = (
  server: BenchDatabase.Server,
  profile: Profile.Profile,
  log: (line: string) => void,
): Effect.Effect<ReadonlyArray<Prepared>, DatabaseUnavailable | LoadFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const passwords = BenchDatabase.randomPasswords();
    yield* BenchDatabase.dropBypassRoleOnClose(server);
    const prepared: Array<Prepared> = [];
    for (const documents of profile.scale) {
      const size = { organizations: profile.organizations, documents };
      log(`data set: ${count(documents)} documents over ${count(size.organizations)} organizations`);
      const database = yield* BenchDatabase.create(
        server,
        `bench_${Scale.sizeKey(documents).toLowerCase()}`,
        passwords,
      );
      yield* Dataset.load(database.adminUrl, size, log);
      const keys = yield* Dataset.sampleKeys(database.adminUrl, size, profile.keySample);
      prepared.push({ size, database, keys });
    }
    return prepared;
  });

/** Every section, each comparison interleaved after a warm-up, at each concurrency of the profile. */
export const run = (
  profile: Profile.Profile,
  databaseUrl: Option.Option<string>,
  log: (line: string) => void,
): Effect.Effect<Report, BenchError, Scope.Scope> =>
  Effect.gen(function* () {
    const startedAt = new Date();
    const loadBefore = Machine.loadAverage();
    const started = performance.now();
    const server = yield* BenchDatabase.start(databaseUrl);
    log(`PostgreSQL ${server.version} (${server.kind})`);
    const prepared = yield* prepare(server, profile, log);
    const main = prepared.at(-1);
    if (main === undefined) return yield* Effect.dieMessage("the profile has no data set size");
    const maxClients = Math.max(...profile.concurrency);
    const runners = {
      app: yield* TenantRuntime.make(main.database.appUrl, main.database.contextKey, maxClients),
      bypass: yield* TenantRuntime.make(main.database.bypassUrl, main.database.contextKey, maxClients),
    };
    const app = yield* BenchDatabase.pool(main.database.appUrl, maxClients);
    const bypass = yield* BenchDatabase.pool(main.database.bypassUrl, maxClients);
    const drizzleApp = yield* BenchDatabase.pool(main.database.appUrl, maxClients);
    const comparisons: Array<Results.Comparison> = [];
    const targets: Array<Targets.Target> = [];
    const record = (comparison: Results.Comparison, specs: ReadonlyArray<Targets.Spec>) => {
      comparisons.push(comparison);
      const checked = specs.map((spec) => Targets.evaluate(comparison, spec));
      targets.push(...checked);
      const ratios = comparison.ratios.map(
        (ratio) => `${ratio.numerator}/${ratio.denominator} ${ratio.metric} ${ratio.value.toFixed(3)}`,
      );
      log(`  ${comparison.id} x${comparison.clients}: ${ratios.join(", ")}`);
    };

    log(`1. RLS versus an explicit filter (${count(main.size.documents)} documents)`);
    for (const clients of profile.concurrency) {
      for (const query of Queries.all) {
        record(
          yield* RlsVsFilter.compare(runners, main.keys, query, planFor(profile, clients)),
          RlsVsFilter.targetsFor(query),
        );
      }
    }

    // Statements without parameters go out as simple queries through the runtime; this shows the gap without that.
    for (const query of Queries.all.filter((entry) => Queries.isParameterless(entry.rlsOnly))) {
      for (const clients of profile.concurrency) {
        record(
          yield* RlsVsFilter.comparePrepared(
            { app, bypass, contextKey: main.database.contextKey },
            main.keys,
            query,
            planFor(profile, clients),
          ),
          [],
        );
      }
    }

    log("2. The cost of setting the tenant");
    for (const clients of profile.concurrency) {
      record(
        yield* TenantSetting.compare(
          { withOrg: runners.app, app, bypass, drizzleApp, contextKey: main.database.contextKey },
          main.keys,
          planFor(profile, clients),
        ),
        TenantSetting.targets(clients),
      );
    }

    const pooled = yield* TenantRuntime.make(main.database.appUrl, main.database.contextKey, maxClients, "transaction");
    for (const clients of profile.concurrency) {
      for (const query of PoolMode.QUERIES) {
        record(
          yield* PoolMode.compare({ prepared: runners.app, pooled }, main.keys, query, planFor(profile, clients)),
          PoolMode.targets,
        );
      }
    }

    log(`3. Scale: ${profile.scale.map(count).join(" / ")} documents`);
    const steps: Array<Scale.Step> = [];
    for (const entry of prepared) {
      const runner =
        entry === main
          ? runners.app
          : yield* TenantRuntime.make(entry.database.appUrl, entry.database.contextKey, maxClients);
      steps.push({ documents: entry.size.documents, app: runner, keys: entry.keys });
    }
    for (const clients of profile.concurrency) {
      record(yield* Scale.compare(steps, planFor(profile, clients)), Scale.targets(steps));
    }

    const notRun: Array<NotRun> = [];
    let httpPeakMemoryMiB: PeakMemory = [];
    const httpReason = Http.unavailableReason();
    if (httpReason === undefined) {
      log(`4. HTTP: ${Http.TITLE}`);
      const members = yield* Dataset.members(main.database.adminUrl);
      const http = yield* Effect.scoped(
        Http.compare(
          {
            adminUrl: main.database.adminUrl,
            appUrl: main.database.appUrl,
            bypassUrl: main.database.bypassUrl,
            contextKey: main.database.contextKey,
          },
          members,
          profile.concurrency,
          { rounds: profile.rounds, sliceMs: profile.sliceMs, warmupMs: profile.warmupMs },
          maxClients,
        ),
      );
      for (const comparison of http.comparisons) record(comparison, Http.targets(comparison.clients));
      httpPeakMemoryMiB = http.peakMemoryMiB;
      targets.push(Http.memoryTarget(http.peakMemoryMiB, maxClients));
      log(
        `  server peak memory: ${http.peakMemoryMiB.map((entry) => `${entry.key} ${entry.mib.toFixed(0)} MiB`).join(", ")}`,
      );
    } else {
      notRun.push({ section: 4, title: Http.TITLE, reason: httpReason });
      targets.push(Targets.notRun(4, "http/documents", httpReason));
      log(`4. HTTP: ${httpReason}`);
    }

    let cluster: string | undefined;
    const citusReason = SingleVsCitus.unavailableReason();
    if (citusReason === undefined) {
      log(`5. Single PostgreSQL against a Citus cluster (${count(profile.clusterDocuments)} documents)`);
      cluster = yield* Effect.scoped(
        Effect.gen(function* () {
          const sides = yield* SingleVsCitus.prepare(
            { organizations: profile.organizations, documents: profile.clusterDocuments },
            profile.keySample,
            maxClients,
            log,
          );
          for (const clients of profile.concurrency) {
            for (const query of SingleVsCitus.QUERIES) {
              record(yield* SingleVsCitus.compare(sides, query, planFor(profile, clients)), []);
            }
          }
          return sides.description;
        }),
      );
    } else {
      notRun.push({ section: 5, title: SingleVsCitus.TITLE, reason: citusReason });
      log(`5. Single PostgreSQL against a Citus cluster: ${citusReason}`);
    }

    return {
      profile,
      machine: Machine.info(),
      server: {
        kind: server.kind,
        version: server.version,
        sharedBuffers: server.sharedBuffers,
        sharedBuffersBytes: server.sharedBuffersBytes,
      },
      datasets: prepared.map((entry) => ({ ...entry.size, documentsBytes: entry.keys.documentsBytes })),
      startedAt,
      load: { before: loadBefore, after: Machine.loadAverage() },
      seconds: (performance.now() - started) / 1000,
      comparisons,
      targets,
      notRun,
      cluster,
      httpPeakMemoryMiB,
    };
  });
