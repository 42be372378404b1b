import * as Citus from "@beep/testkit/citus";
import { Effect, type Scope } from "effect";
import postgres from "postgres";
import * as BenchDatabase from "../BenchDatabase.ts";
import { DatabaseUnavailable, type LoadFailed, type OperationFailed } from "../BenchErrors.ts";
import * as Dataset from "../Dataset.ts";
import * as Interleave from "../Interleave.ts";
import * as Picker from "../Picker.ts";
import * as Queries from "../Queries.ts";
import * as Results from "../Results.ts";
import * as TenantRuntime from "../TenantRuntime.ts";

export const TITLE = "the same tenant operations with RLS on one PostgreSQL and through a Citus coordinator";

/** The operations compared: what a tenant does most, each through `TenantDb.withOrg` with RLS alone. */
export const QUERIES: ReadonlyArray<Queries.Query> = [Queries.pointRead, Queries.newest50, Queries.update];

type Env = Readonly<Record<string, string | undefined>>;

const citusUrlOf = (env: Env): string | undefined => {
  const url = env.CITUS_URL?.trim();
  return url === undefined || url === "" ? undefined : url;
};

/** Why section 5 cannot run here, or undefined when it can (`CITUS_URL`, or Citus installed to start a cluster). */
export const unavailableReason = (env: Env = process.env): string | undefined => {
  if (env.BEEP_CITUS === "off") return "not run: Citus off (BEEP_CITUS=off)";
  if (citusUrlOf(env) !== undefined) return undefined;
  const availability = Citus.available();
  return availability.ok ? undefined : `not run: Citus ${Citus.explain(availability)}`;
};

/** One side: `withOrg` as `beep_app` on its database, and that database's key sample. */
export interface Side {
  readonly app: TenantRuntime.Runner;
  readonly keys: Dataset.Keys;
}

export interface Sides {
  readonly single: Side;
  readonly citus: Side;
  /** What ran, for the report: versions, nodes, shards, documents. */
  readonly description: string;
}

const versions = (adminUrl: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(adminUrl, { max: 1, onnotice: () => {} })),
    (sql) =>
      Effect.tryPromise({
        try: async () => {
          const [row] = await sql<Array<{ server: string; citus: string }>>`
            SELECT current_setting('server_version') AS server,
              (SELECT extversion FROM pg_extension WHERE extname = 'citus') AS citus`;
          return `PostgreSQL ${row?.server ?? "unknown"}, Citus ${row?.citus ?? "unknown"}`;
        },
        catch: (cause) => new DatabaseUnavailable({ step: "versions of the Citus cluster", cause }),
      }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  );

/**
 * The cluster (`CITUS_URL`'s, else one started for the run) and two databases of the same shape on it, filled by
 * the same loader: `single`, a plain database on the coordinator's server (the same PostgreSQL, no Citus in it),
 * and `citus`, on every node, distributed as `db:migrate` does before it is filled. The databases are dropped and
 * a started cluster stopped with the scope.
 */
export const prepare = (
  size: Dataset.Size,
  keySample: number,
  poolMax: number,
  log: (line: string) => void,
  env: Env = process.env,
): Effect.Effect<Sides, DatabaseUnavailable | LoadFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const cluster = yield* BenchDatabase.citusCluster(citusUrlOf(env));
    const side = (distributed: boolean) =>
      Effect.gen(function* () {
        const database = yield* BenchDatabase.createOnCluster(
          cluster,
          distributed ? "bench_citus" : "bench_single",
          distributed,
        );
        log(`  ${distributed ? "citus" : "single"}: ${size.documents.toLocaleString("en-US")} documents`);
        yield* Dataset.load(database.adminUrl, size, log);
        const keys = yield* Dataset.sampleKeys(database.adminUrl, size, keySample);
        const app = yield* TenantRuntime.make(database.appUrl, database.contextKey, poolMax);
        return { app, keys, adminUrl: database.adminUrl };
      });
    const single = yield* side(false);
    const citus = yield* side(true);
    const description = `${yield* versions(citus.adminUrl)}; a coordinator and ${cluster.workers.length} workers (${cluster.kind === "started" ? "started on this machine" : "CITUS_URL"}), ${BenchDatabase.SHARD_COUNT} shards per table; ${size.documents.toLocaleString("en-US")} documents over ${size.organizations.toLocaleString("en-US")} organizations on each side`;
    log(`  ${description}`);
    return { single, citus, description };
  });

export const variants = (sides: Sides, query: Queries.Query): ReadonlyArray<Interleave.Variant> =>
  (["single", "citus"] as const).map((key) => {
    const side = sides[key];
    const pick = Picker.make(side.keys);
    return {
      key,
      label:
        key === "single"
          ? `${query.label}, one PostgreSQL, beep_app: RLS alone`
          : `${query.label}, Citus coordinator and workers, beep_app: RLS alone`,
      run: () => side.app.run(query.rlsOnly, pick()),
    };
  });

/** Reported only: on one machine a cluster adds a hop and no capacity, so no bound would mean anything. */
export const ratios: ReadonlyArray<Results.RatioSpec> = [
  { numerator: "citus", denominator: "single", metric: "throughput" },
  { numerator: "citus", denominator: "single", metric: "latency" },
];

export const compare = (
  sides: Sides,
  query: Queries.Query,
  plan: Interleave.Plan,
): Effect.Effect<Results.Comparison, OperationFailed> =>
  Interleave.measure(variants(sides, query), plan).pipe(
    Effect.map((samples) =>
      Results.summarize(
        { section: 5, id: `citus/${query.name}`, title: query.label, clients: plan.clients },
        samples,
        ratios,
      ),
    ),
  );
