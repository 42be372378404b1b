import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect } from "effect";
import type * as Bench from "./Bench.ts";
import { ReportFailed } from "./BenchErrors.ts";
import * as Chart from "./Chart.ts";
import * as Http from "./comparisons/Http.ts";
import { REPO_ROOT } from "./internal/paths.ts";
import * as Profile from "./Profile.ts";
import * as Queries from "./Queries.ts";
import { formatCpu, formatMs, formatOps, formatRatio, SECTION_TITLES } from "./Report.ts";
import * as Results from "./Results.ts";
import * as Targets from "./Targets.ts";
import { IMPLEMENTATION } from "./TenantRuntime.ts";

export const DOCS_DIR = join(REPO_ROOT, "docs");
export const MARKDOWN = "benchmarks.md";
export const CHART = "benchmarks.svg";

const count = (n: number) => n.toLocaleString("en-US");
const mebibytes = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString("en-US")} MiB`;

const mdTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  [
    `| ${header.join(" | ")} |`,
    `| ${header.map((cell) => (/ops|ms|\/|value|clients/.test(cell) ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");

const ratioCell = (comparison: Results.Comparison, numerator: string, denominator: string, metric: Results.Metric) => {
  const ratio = Results.findRatio(comparison, numerator, denominator, metric);
  return ratio === undefined
    ? "n/a"
    : `${formatRatio(ratio.value)} (${formatRatio(ratio.low)}–${formatRatio(ratio.high)})`;
};

const variantOf = (comparison: Results.Comparison, key: string) =>
  comparison.variants.find((variant) => variant.key === key);

const opsCell = (comparison: Results.Comparison, key: string) =>
  formatOps(variantOf(comparison, key)?.throughput ?? Number.NaN);
const msCell = (comparison: Results.Comparison, key: string) =>
  formatMs(variantOf(comparison, key)?.latencyMs ?? Number.NaN);
const cpuCell = (comparison: Results.Comparison, key: string) =>
  formatCpu(variantOf(comparison, key)?.cpuPerOperationUs ?? Number.NaN);

const serverCpuOf = (comparison: Results.Comparison | undefined, key: string) =>
  comparison === undefined ? Number.NaN : (variantOf(comparison, key)?.serverCpuPerOperationUs ?? Number.NaN);

/** One row per variant; per client count its throughput, median latency and client CPU per operation. */
const variantTable = (comparisons: ReadonlyArray<Results.Comparison>, first: string) =>
  mdTable(
    [
      first,
      ...comparisons.flatMap((comparison) => [
        `ops/s ×${comparison.clients}`,
        `p50 ms ×${comparison.clients}`,
        `client µs/op ×${comparison.clients}`,
      ]),
    ],
    (comparisons[0]?.variants ?? []).map((variant) => [
      variant.key,
      ...comparisons.flatMap((comparison) => [
        opsCell(comparison, variant.key),
        msCell(comparison, variant.key),
        cpuCell(comparison, variant.key),
      ]),
    ]),
  );

const CPU_NOTE =
  "`client µs/op` is the CPU time the benchmark process (the clients: driver, Drizzle, Effect) spent per operation; the server's CPU is not in it.";

/** One row per ratio of the first comparison, one column per client count. */
const ratioTable = (comparisons: ReadonlyArray<Bench.Report["comparisons"][number]>) =>
  mdTable(
    ["ratio", ...comparisons.map((comparison) => `clients ${comparison.clients}`)],
    (comparisons[0]?.ratios ?? []).map((ratio) => [
      `${ratio.numerator}/${ratio.denominator} ${ratio.metric}`,
      ...comparisons.map((comparison) => ratioCell(comparison, ratio.numerator, ratio.denominator, ratio.metric)),
    ]),
  );

const section = (report: Bench.Report, number: Results.Section) =>
  report.comparisons.filter((comparison) => comparison.section === number);

const runTable = (report: Bench.Report, command: string) => {
  const { machine, profile, server } = report;
  const sizes = report.datasets
    .map((set) => `${count(set.documents)} (${mebibytes(set.documentsBytes)} with indexes)`)
    .join(", ");
  return mdTable(
    ["", ""],
    [
      ["command", `\`${command}\``],
      ["date", report.startedAt.toISOString()],
      ["machine", `${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, ${machine.platform}`],
      ["clients run in", machine.runtime],
      [
        "PostgreSQL",
        `${server.version}, ${server.kind === "embedded" ? "embedded (a throwaway cluster: fsync and synchronous_commit off)" : "from DATABASE_URL"}, shared_buffers ${server.sharedBuffers}`,
      ],
      ["data", `documents over ${count(profile.organizations)} organizations: ${sizes}`],
      [
        "method",
        `per comparison and client count: ${profile.warmupMs} ms warm-up per variant, then ${profile.rounds} rounds of ${profile.sliceMs} ms per variant, interleaved with a rotating order; clients ${profile.concurrency.join(" and ")}`,
      ],
      ["withOrg", IMPLEMENTATION],
      [
        "load average",
        `${report.load.before.toFixed(2)} before, ${report.load.after.toFixed(2)} after (above ${machine.cores}, other work shared the cores)`,
      ],
      ["duration", `${report.seconds.toFixed(0)} s`],
    ],
  );
};

const targetTable = (targets: ReadonlyArray<Targets.Target>) =>
  mdTable(
    ["section", "comparison", "clients", "target", "value (rounds' quartiles)", "status"],
    targets.map((target) => [
      String(target.section),
      target.comparison,
      target.clients === 0 ? "–" : String(target.clients),
      `\`${target.text}\``,
      target.status === "not run"
        ? "–"
        : target.unit !== undefined
          ? `${target.value.toFixed(0)} ${target.unit}`
          : `${formatTarget(target.value)} (${formatTarget(target.low)}–${formatTarget(target.high)})`,
      target.status === "met" ? "met" : `**${target.status}**`,
    ]),
  );

const rlsSection = (report: Bench.Report) => {
  const comparisons = section(report, 1);
  if (comparisons.length === 0) return [];
  return [
    `## 1. ${SECTION_TITLES[1]}`,
    "",
    `${count(Profile.largest(report.profile))} documents over ${count(report.profile.organizations)} organizations. Every side is one unit of work through the tenant runtime, \`TenantDb.withOrg\` (BEGIN, \`select set_config('beep.context', $1, true), set_config('search_path', 'public', true), beep.current_org_id()\` with a ticket signed for that unit of work, and the statement written in one round trip, then the session cleanup and COMMIT in one message), on a pool of its login, so the sides differ only in whether RLS applies and whether the statement names the organization.`,
    "",
    "- **A**: `beep_app` (no BYPASSRLS, owns nothing); the statement relies on RLS alone (the point read is `WHERE id = $1`).",
    "- **B**: `beep_bench_bypass`, a login role with BYPASSRLS and the privileges of `beep_admin`, created for the run and dropped after it; the statement adds `organization_id = $1` to its condition.",
    "- **C**: `beep_app`, RLS plus the explicit filter: what the `TenantQuery` helpers emit.",
    "",
    "A includes the ticket check: its policies compare `organization_id` with `beep.current_org_id_for('member', 'admin', 'owner')` (the tenant policy and the members' read grant are one expression, so a read checks the ticket once), which verifies the ticket's HMAC against the key installed in the database (C's policy does too). B bypasses the policy and checks the ticket only in the prelude, as every side does, so A/B is what RLS costs with the signed context.",
    "",
    `${CPU_NOTE} The three sides run the same client code (the last column), so where that work dominates (many clients on few cores) the ratios say less about the server.`,
    "",
    "A/B and C/B are throughput ratios (1.00 = the same throughput as the explicit filter without RLS; the target is at least 0.95, and 0.97 for A/B of the count), with the quartiles of the per-round ratios in parentheses.",
    "",
    mdTable(
      [
        "query",
        "clients",
        "A ops/s",
        "B ops/s",
        "C ops/s",
        "A/B",
        "C/B",
        "A p50 ms",
        "B p50 ms",
        "C p50 ms",
        "client µs/op A · B · C",
      ],
      comparisons.map((comparison) => [
        comparison.title,
        String(comparison.clients),
        opsCell(comparison, "A"),
        opsCell(comparison, "B"),
        opsCell(comparison, "C"),
        ratioCell(comparison, "A", "B", "throughput"),
        ratioCell(comparison, "C", "B", "throughput"),
        msCell(comparison, "A"),
        msCell(comparison, "B"),
        msCell(comparison, "C"),
        ["A", "B", "C"].map((key) => cpuCell(comparison, key)).join(" · "),
      ]),
    ),
    "",
  ];
};

const POOL_PREFIX = "pool/";
const isPoolMode = (id: string) => id.startsWith(POOL_PREFIX);

/** Section 2's pool-mode comparisons (`PoolMode.ts`): one row per query and client count. */
const poolModeBlock = (report: Bench.Report): ReadonlyArray<string> => {
  const comparisons = section(report, 2).filter((comparison) => isPoolMode(comparison.id));
  if (comparisons.length === 0) return [];
  return [
    "### Pool mode: transaction against direct",
    "",
    "The tenant runtime as `beep_app` twice on the same database, differing only in `poolMode`: `prepared` is `direct` (named prepared statements, parsed and planned once per connection), `pooled` is `transaction` (every statement unnamed, as behind PgBouncer in transaction mode). No pooler is in the path: this is the protocol's cost alone.",
    "",
    mdTable(
      ["query", "clients", "prepared ops/s", "pooled ops/s", "pooled/prepared throughput", "pooled/prepared latency"],
      comparisons.map((comparison) => [
        comparison.title,
        String(comparison.clients),
        opsCell(comparison, "prepared"),
        opsCell(comparison, "pooled"),
        ratioCell(comparison, "pooled", "prepared", "throughput"),
        ratioCell(comparison, "pooled", "prepared", "latency"),
      ]),
    ),
    "",
  ];
};

const tenantSection = (report: Bench.Report) => {
  const comparisons = section(report, 2).filter((comparison) => !isPoolMode(comparison.id));
  if (comparisons.length === 0) return [];
  return [
    `## 2. ${SECTION_TITLES[2]}`,
    "",
    "One point read by id as a whole unit of work, on the largest data set. The floor runs it without a tenant (the BYPASSRLS role with the explicit filter, plain postgres.js); the others run it as `beep_app`, relying on RLS, with the tenant set in different ways. `withOrg` is the tenant runtime itself, Effect included; the others are plain postgres.js or Drizzle.",
    "",
    ...(comparisons[0]?.variants.map((variant) => `- **${variant.key}**: ${variant.label}`) ?? []),
    "",
    "The Drizzle recipe is ``db.transaction(async (tx) => { await tx.execute(sql`select set_config('beep.context', ...)`); return tx.select()... })`` with drizzle-orm's postgres-js driver. `session` sets the ticket with a session-level `SET` on a reserved pool connection, reads, then `RESET`s it. Every variant but the floor signs a ticket per unit of work with the database's context key, as the runtime does, and the policies check it.",
    "",
    variantTable(comparisons, "variant"),
    "",
    CPU_NOTE,
    "",
    ratioTable(comparisons),
    "",
    ...poolModeBlock(report),
  ];
};

const scaleSection = (report: Bench.Report) => {
  const comparisons = section(report, 3);
  if (comparisons.length === 0) return [];
  return [
    `## 3. ${SECTION_TITLES[3]}`,
    "",
    "The same point read with RLS (`beep_app`, `TenantDb.withOrg`, `WHERE id = $1`) against databases of different sizes, interleaved.",
    "",
    variantTable(comparisons, "documents"),
    "",
    ratioTable(comparisons),
    "",
  ];
};

const httpSection = (report: Bench.Report): ReadonlyArray<string> => {
  const skipped = report.notRun.find((entry) => entry.section === 4);
  if (skipped !== undefined) {
    return [
      `## 4. ${SECTION_TITLES[4]}`,
      "",
      `${skipped.title}: **${skipped.reason}**. No figures are reported for it.`,
      "",
    ];
  }
  const comparisons = report.comparisons.filter((comparison) => comparison.section === 4);
  if (comparisons.length === 0) return [];
  return [
    `## 4. ${SECTION_TITLES[4]}`,
    "",
    "`GET /v1/documents` (a page of 20, the default) with a bearer token of one of 100 organizations, round robin, over keep-alive connections. Each variant is its own server process (Bun), with a pool of as many connections as the most clients; they run side by side and the clients' requests are interleaved across them. Every request verifies its JWT, checks the membership and reads the page in one tenant transaction (`TenantDb.withContext`; `minimal` sends the same protocol and statements by hand), and all but `minimal` write a log line.",
    "",
    ...(comparisons[0]?.variants.map((variant) => `- **${variant.key}**: ${variant.label}`) ?? []),
    "",
    variantTable(comparisons, "server"),
    "",
    "`client µs/op` is the load generator's CPU per request, not the server's. Each server process's own CPU per request (`/proc`, read before and after each of its slices):",
    "",
    mdTable(
      ["server", ...comparisons.map((comparison) => `server µs/request ×${comparison.clients}`)],
      (comparisons[0]?.variants ?? []).map((variant) => [
        variant.key,
        ...comparisons.map((comparison) => formatCpu(serverCpuOf(comparison, variant.key))),
      ]),
    ),
    "",
    ratioTable(comparisons),
    "",
    mdTable(
      ["server", "peak resident memory (MiB)"],
      report.httpPeakMemoryMiB.map((entry) => [entry.key, Number.isNaN(entry.mib) ? "n/a" : entry.mib.toFixed(0)]),
    ),
    "",
    `Targets: \`shipped/minimal throughput >= 0.7\` at 8 clients (apps/server against the same work written directly on Bun.serve and postgres.js), and apps/server's peak resident memory over the section at most ${Http.PEAK_MEMORY_MIB} MiB. \`rls/filtered\` and \`shipped/rls\` have no target; they show what RLS and the rest of the app cost once HTTP, JSON, the token and the membership check are part of every request.`,
    "",
  ];
};

/** The text of section 5, also when it did not run: what it measures, and why it has no target. */
export const CITUS_TEXT =
  "The point read, the newest 50 of one organization and the single-row update, each as `beep_app` with RLS in one `TenantDb.withOrg` transaction (on Citus it also sends the tenant context the workers need), on two databases of the same shape filled by the same loader: `single`, a plain database on the Citus coordinator's own server (the same PostgreSQL, without Citus in it), and `citus`, on every node, distributed as `db:migrate` distributes it. `citus/single` is measured side by side like every other ratio. No target is set: on one machine a cluster only adds the coordinator's hop and no capacity, so this shows Citus' routing cost, not its scale.";

const citusSection = (report: Bench.Report): ReadonlyArray<string> => {
  const skipped = report.notRun.find((entry) => entry.section === 5);
  const comparisons = section(report, 5);
  if (skipped === undefined && comparisons.length === 0) return [];
  const head = [`## 5. ${SECTION_TITLES[5]}`, "", CITUS_TEXT, ""];
  if (skipped !== undefined) {
    return [...head, `${skipped.title}: **${skipped.reason}**. No figures are reported for it.`, ""];
  }
  const byQuery = new Map<string, Array<Results.Comparison>>();
  for (const comparison of comparisons) byQuery.set(comparison.id, [...(byQuery.get(comparison.id) ?? []), comparison]);
  return [
    ...head,
    ...(report.cluster === undefined ? [] : [`Cluster: ${report.cluster}.`, ""]),
    ...[...byQuery.values()].flatMap((series) => [
      `### ${series[0]?.title ?? ""}`,
      "",
      variantTable(series, "side"),
      "",
      ratioTable(series),
      "",
    ]),
  ];
};

/** Targets show three decimals: two could round a miss onto its bound. */
const formatTarget = (value: number) => (Number.isNaN(value) ? "n/a" : value.toFixed(3));

// A measured value (peak memory) has no rounds: only the value and its unit.
const spread = (target: Targets.Target) =>
  target.unit !== undefined
    ? `${target.value.toFixed(0)} ${target.unit}`
    : `${formatTarget(target.value)} (rounds' quartiles ${formatTarget(target.low)}–${formatTarget(target.high)})`;

const noiseNote = (target: Targets.Target) =>
  Targets.withinSpread(target)
    ? ` The bound ${target.threshold} lies between the quartiles of the rounds, so this run cannot tell the ratio from the bound.`
    : "";

const missLine = (target: Targets.Target) =>
  `\`${target.comparison}\` ×${target.clients}, \`${target.text}\`: ${spread(target)}.${noiseNote(target)}`;

/** apps/server's and the minimal server's own CPU per request in the run, and their ratio. */
const serverCpuLine = (report: Bench.Report, target: Targets.Target | undefined) => {
  const comparison = report.comparisons.find(
    (entry) => entry.section === 4 && entry.clients === (target?.clients ?? 8),
  );
  const shipped = serverCpuOf(comparison, "shipped");
  const minimal = serverCpuOf(comparison, "minimal");
  return `${formatCpu(shipped)} µs of CPU a request, the minimal server's ${formatCpu(minimal)} µs (${formatRatio(shipped / minimal)} times)`;
};

/** A read's one ticket check as the server spends it, in ms (specs/runtime-speed/outputs/profile.md: 38–48 µs). */
const CHECK_MS = 0.04;

/** Why the missed targets were missed and what was tried, from what this run and the tests show. */
const explainMisses = (report: Bench.Report, missed: ReadonlyArray<Targets.Target>): ReadonlyArray<string> => {
  const parts: Array<string> = [];
  const rls = missed.filter((target) => target.section === 1);
  if (rls.length > 0) {
    parts.push("**RLS versus the explicit filter.**", "", ...rls.map((target) => `- ${missLine(target)}`), "");
    const parameterless = Queries.all.filter(
      (query) =>
        Queries.isParameterless(query.rlsOnly) && rls.some((target) => target.comparison === `rls/${query.name}`),
    );
    for (const query of parameterless) {
      const experiment = report.comparisons
        .filter((comparison) => comparison.id === `rls/${query.name}-prepared`)
        .map((comparison) => `${ratioCell(comparison, "A", "B", "throughput")} ×${comparison.clients}`)
        .join(", ");
      parts.push(
        `Why ${query.label}: A's statement has no parameter at all (\`${query.rlsOnly.text}\`), while B and C carry the organization as one. postgres.js would send a statement without parameters as a simple query, planned on every execution; the tenant runtime sends every statement with the extended protocol, prepared once per connection (\`tooling/bench/test/Protocol.test.ts\`), so A's plan is not rebuilt either. What is left between A and B is the policies' ticket checks (\`specs/runtime-speed/outputs/profile.md\`). Tried: the same two sides in plain postgres.js with every statement prepared (\`rls/${query.name}-prepared\` in the table below): A/B throughput ${experiment === "" ? "not measured" : experiment}.`,
        "",
      );
    }
    const reads = Queries.all.filter(
      (query) =>
        query !== Queries.update &&
        !Queries.isParameterless(query.rlsOnly) &&
        rls.some((target) => target.comparison === `rls/${query.name}`),
    );
    if (reads.length > 0) {
      // What one check alone does to a ratio at 1 client: B's unit of this run, against the same unit 40 µs longer.
      const alone = reads.map((query) => {
        const comparison = report.comparisons.find((entry) => entry.id === `rls/${query.name}` && entry.clients === 1);
        const ms = comparison === undefined ? Number.NaN : (variantOf(comparison, "B")?.latencyMs ?? Number.NaN);
        return `${formatRatio(ms / (ms + CHECK_MS))} for ${query.label} (B's unit ${formatMs(ms)} ms)`;
      });
      parts.push(
        `Why ${reads.map((query) => query.label).join(" and ")}: A's statement checks the ticket once, as its index condition; B's checks nothing. That check is a SECURITY DEFINER PL/pgSQL function that reads the key and hashes the ticket. Measured with \`pgbench -r\` on the runtime's transaction shape (\`specs/runtime-speed/outputs/profile.md\`, "What a read's one check costs on the wire"), the point read's statement takes 38–48 µs longer on A than on B, each other statement of the unit 1–8 µs. Added to B's unit of this run at 1 client, ${CHECK_MS * 1000} µs alone makes a throughput ratio of ${alone.join(" and ")}. None of the cheaper forms of the check measured there is within this stack.`,
        "",
      );
    }
    if (rls.some((target) => target.comparison === `rls/${Queries.update.name}`)) {
      parts.push(
        'Why the single-row update: a write checks the ticket once for every policy expression PostgreSQL applies to it, not once per statement: the index condition; the update grants, ORed per row (a member\'s own rows, one check of role and user together; any row for admins and owners); `WITH CHECK` on the new row (the tenant policy and the same grants); and, because the statement reads columns, the read policies on the new row. `tooling/bench/test/Plans.test.ts` counts the three in the plan; each check is a SECURITY DEFINER PL/pgSQL function, about 40 µs of server time for the first in a statement and 6–8 µs for each further one, and B makes none (`specs/runtime-speed/outputs/profile.md`, "Writes" and "What a read\'s one check costs on the wire"). Only a different policy shape would check fewer times.',
        "",
      );
    }
    parts.push(
      "It is not a different plan: `tooling/bench/test/Plans.test.ts` shows, as `beep_app` with the context against the bypass role with the filter, that each query reads the same index, and that the policies' expression (`organization_id = beep.current_org_id_for(...)`) is an index condition, computed once per scan, never a per-row filter, and the only ticket check of a read. That is why `(select beep.current_org_id())` initplan wrapping has nothing to save here (the ticket check is already a STABLE function, evaluated once per scan), and why no other index would help: the plan is already the filtered one.",
      "",
    );
  }
  const tenant = missed.filter((target) => target.section === 2 && !isPoolMode(target.comparison));
  const cpuLine = (target: Targets.Target) => {
    const comparison = report.comparisons.find(
      (entry) => entry.id === target.comparison && entry.clients === target.clients,
    );
    const cpu = (key: string) =>
      formatCpu(comparison === undefined ? Number.NaN : (variantOf(comparison, key)?.cpuPerOperationUs ?? Number.NaN));
    return `client CPU per unit of work with ${target.clients} client${target.clients === 1 ? "" : "s"}: withOrg ${cpu("withOrg")} µs, the same protocol in plain postgres.js (\`plain\`) ${cpu("plain")} µs, Drizzle's recipe ${cpu("drizzle")} µs, the floor ${cpu("floor")} µs`;
  };
  for (const target of tenant.filter((entry) => entry.text.includes("latency"))) {
    const comparison = report.comparisons.find(
      (entry) => entry.id === target.comparison && entry.clients === target.clients,
    );
    const ofFloor = (key: string) =>
      comparison === undefined ? Number.NaN : Results.ratioOf(comparison, key, "floor", "latency");
    parts.push(
      "**Setting the tenant, latency.**",
      "",
      `- ${missLine(target)}`,
      "",
      `The floor is one statement in one round trip. \`query\` (\`TenantDb.query\`) writes BEGIN, the signed ticket with its check, the statement, then the session cleanup with COMMIT together: one round trip too, run through Effect and Drizzle. Against the same protocol written by hand in plain postgres.js (\`oneTrip\`) it is ${formatRatio(comparison === undefined ? Number.NaN : Results.ratioOf(comparison, "query", "oneTrip", "latency"))}, and \`oneTrip\` itself is ${formatRatio(ofFloor("oneTrip"))} of the floor's latency (withContext's two round trips by hand, \`plain\`: ${formatRatio(ofFloor("plain"))}). The ${cpuLine(target)}, \`query\` ${formatCpu(comparison === undefined ? Number.NaN : (variantOf(comparison, "query")?.cpuPerOperationUs ?? Number.NaN))} µs. So what separates \`oneTrip\` from the floor is the server's work for the ticket, its check in every statement, and the transaction with its cleanup, not the runtime.`,
      "",
    );
  }
  const throughput = tenant.filter((entry) => !entry.text.includes("latency"));
  const plainVersusDrizzle = report.comparisons
    .filter((comparison) => comparison.section === 2 && !isPoolMode(comparison.id))
    .map((comparison) => `${ratioCell(comparison, "plain", "drizzle", "throughput")} ×${comparison.clients}`)
    .join(", ");
  if (throughput.length > 0) {
    parts.push(
      "**Setting the tenant, throughput.**",
      "",
      ...throughput.map((target) => `- ${missLine(target)} The ${cpuLine(target)}.`),
      "",
      `The Drizzle recipe waits for each of its four statements in turn, and drizzle-orm's postgres-js driver sends them unprepared, so postgres.js first asks the server to describe the parameters of each one that has some. withOrg needs two round trips, but the client CPU figures show the runtime's own work per unit of work, and once the cores are busy that work bounds its throughput. Tried: the same protocol in plain postgres.js (\`plain\`), \`plain/drizzle\` throughput: ${plainVersusDrizzle}. So what is left to cut is the runtime's client-side work (Effect, Drizzle, the per-transaction bookkeeping), not its protocol.`,
      "",
    );
  }
  const pool = missed.filter((target) => isPoolMode(target.comparison));
  if (pool.length > 0) {
    parts.push(
      "**Pool mode.**",
      "",
      ...pool.map((target) => `- ${missLine(target)}`),
      "",
      "In `transaction` mode the runtime prepares no named statement (`tooling/bench/test/Protocol.test.ts`): PostgreSQL parses and plans the prelude and the statement on every execution, where `direct` binds the plans its connection already holds. A unit takes the same two round trips in both modes (`packages/shared/server/test/TenantDb.test.ts`): the runtime sends its prelude, and any statement whose values are all text, numbers or null, whole, the server typing their parameters, where postgres.js would first ask for their types (the project's postgres.js patch). So what is left is the parsing and planning.",
      "",
    );
  }
  const http = missed.filter((target) => target.section === 4);
  if (http.length > 0) {
    parts.push(
      "**apps/server against the minimal server.**",
      "",
      ...http.map((target) => `- ${missLine(target)}`),
      "",
      `Both servers send the same statements in one round trip (BEGIN, the context, the re-sign by membership in the database, \`beep.assume_role()\`, the page, the session cleanup and COMMIT); the difference is the server's own work per request: in this run apps/server's process spent ${serverCpuLine(report, http[0])}. It was measured piece by piece with each change in its own server process and the load interleaved across them (\`specs/runtime-speed/outputs/http.md\`). apps/server builds its list statements once (\`Pagination.listing\`, \`Prepared\`) and opens no tracing span per request unless asked (\`Server.layer\`'s \`traceRequests\`, \`apps/server/test/Tracing.test.ts\`). What remains is spread over the Effect HTTP stack (routing, the security middleware, decoding the query, a fiber and its context per request, encoding the page through its schema) and the unit of work's Effect; serving through \`Bun.serve\` instead of node:http was within that measurement's noise. Its memory is the module graph and per-request garbage, not anything retained (\`specs/runtime-speed/outputs/memory.md\`).`,
      "",
    );
  }
  const scale = missed.filter((target) => target.section === 3);
  if (scale.length > 0) {
    const largest = report.datasets.at(-1);
    const bytes = largest?.documentsBytes ?? Number.NaN;
    const fits = bytes <= report.server.sharedBuffersBytes;
    parts.push(
      "**Scale.**",
      "",
      ...scale.map((target) => `- ${missLine(target)}`),
      "",
      `The plan is the same primary-key lookup at every size. The largest documents table is ${mebibytes(bytes)} with its indexes, ${fits ? "within" : "more than"} shared_buffers (${report.server.sharedBuffers})${fits ? "" : ", so its point reads also copy pages from the OS cache"}.`,
      "",
    );
  }
  return parts;
};

/** The whole `docs/benchmarks.md`. */
export const markdown = (report: Bench.Report, command: string): string => {
  const measured = report.targets.filter((target) => target.status !== "not run");
  const met = measured.filter((target) => target.status === "met").length;
  const missed = report.targets.filter((target) => target.status === "missed");
  const notRun = report.targets.filter((target) => target.status === "not run");
  return [
    "# Benchmarks: what RLS and the tenant context cost",
    "",
    `<!-- Written by \`${command}\` (tooling/bench); a new run rewrites this file and ${CHART}. -->`,
    "",
    "Teams fear what row-level security costs. These figures answer with ratios between two ways of doing the same work, measured side by side, interleaved, in one run on the same data: absolute times vary from machine to machine, ratios much less. Each ratio is the median of per-round ratios; the quartiles of the rounds show how much they agreed.",
    "",
    runTable(report, command),
    "",
    `![Ratios against their targets](${CHART})`,
    "",
    "## Targets",
    "",
    `${met} of ${measured.length} measured targets met${notRun.length > 0 ? `; ${notRun.length} not run` : ""}. Latency targets of section 2 are checked with one client (the latency of a unit of work, without queueing); throughput targets at every client count.`,
    "",
    targetTable(report.targets),
    "",
    ...(missed.length === 0
      ? []
      : ["### Missed targets: why, and what was tried", "", ...explainMisses(report, missed)]),
    ...rlsSection(report),
    ...tenantSection(report),
    ...scaleSection(report),
    ...httpSection(report),
    ...citusSection(report),
    "## Reproduce",
    "",
    "```sh",
    "bun run bench                              # embedded PostgreSQL 18 in a temp dir; rewrites this file and the chart",
    "DATABASE_URL=postgres://... bun run bench  # a throwaway server (superuser URL): bench databases are created and dropped",
    "bun run bench --quick                      # small data, short rounds: checks the harness, writes no docs",
    "CITUS_URL=postgres://... bun run bench     # section 5 on that Citus cluster instead of one started here",
    "BEEP_CITUS=off bun run bench               # section 5 left out, as on a machine without Citus",
    "```",
    "",
    "How the harness works and how to add a comparison: [tooling/bench/AGENTS.md](../tooling/bench/AGENTS.md).",
    "",
  ].join("\n");
};

const writeFile = (path: string, content: string) =>
  Effect.try({ try: () => writeFileSync(path, content), catch: (cause) => new ReportFailed({ path, cause }) });

/** Rewrites `benchmarks.md` and `benchmarks.svg` (in docs/ by default); returns the paths written. */
export const write = (
  report: Bench.Report,
  command: string,
  directory: string = DOCS_DIR,
): Effect.Effect<ReadonlyArray<string>, ReportFailed> =>
  Effect.gen(function* () {
    const markdownPath = join(directory, MARKDOWN);
    const chartPath = join(directory, CHART);
    const measured = report.targets.filter((target) => target.status !== "not run");
    yield* writeFile(
      chartPath,
      Chart.svg(measured, `beep: ratios against targets (${report.startedAt.toISOString().slice(0, 10)})`),
    );
    yield* writeFile(markdownPath, markdown(report, command));
    return [markdownPath, chartPath];
  });
