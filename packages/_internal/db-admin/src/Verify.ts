import { OrgTable, TenantContext, TenantPolicy } from "@beep/shared-tables";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { Data, Effect } from "effect";
import type postgres from "postgres";
import * as DrizzleKit from "./DrizzleKit.ts";
import * as Catalog from "./internal/catalog.ts";
import * as ClusterChecks from "./internal/clusterChecks.ts";
import * as Declared from "./internal/declaredPolicies.ts";
import * as MigrationChecks from "./internal/migrationChecks.ts";
import { type Problem, problem, type Report, reportOf, type Subject, subject } from "./internal/report.ts";
import * as Sql from "./internal/sql.ts";
import * as Registry from "./Registry.ts";
import { ADMIN_ROLE, APP_ROLE } from "./Roles.ts";

/**
 * What has no row-level security by design outside the schema's tables, each with the reason. A tenant table
 * declares its opt-out where it is defined (`OrgTable.make(id, { rlsPolicy: "none", reason })`), not here.
 */
export const SYSTEM_EXEMPTIONS: Readonly<Record<string, string>> = {
  "drizzle.__drizzle_migrations":
    "migration bookkeeping, written only by the migrating owner; beep_app has no USAGE on schema drizzle",
  "beep_private.context_key":
    "the key tenant tickets are checked with: one row, no tenant data; beep_app has no USAGE on schema beep_private",
};

/** The opt-outs the schema declares: every `rlsPolicy: "none"` table, with the reason its definition states. */
export const declaredExemptions = (tables: ReadonlyArray<PgTable>): Readonly<Record<string, string>> =>
  Object.fromEntries(
    tables.flatMap((table) => {
      const metadata = OrgTable.metadata(table);
      return metadata?.rlsPolicy === "none" ? [[metadata.tableName, metadata.reason ?? ""] as const] : [];
    }),
  );

export type { Problem, ProblemCode, Report, Subject, SubjectKind } from "./internal/report.ts";

/** The name of the row, on Citus only, that checks every worker's copy of the context key. */
export const WORKER_KEY_CHECK = ClusterChecks.WORKER_KEY_CHECK;

export interface VerifyOptions {
  /** Exemptions besides the declared tables' own (`declaredExemptions`); defaults to `SYSTEM_EXEMPTIONS`. */
  readonly exemptions?: Readonly<Record<string, string>>;
  /** The runtime role; defaults to `beep_app`. */
  readonly appRole?: string;
  /** The tables whose policies the schema declares; defaults to the registry's. */
  readonly declaredTables?: ReadonlyArray<PgTable>;
  /** The migrations the database must have applied; defaults to the committed `drizzle/`. */
  readonly migrationsDir?: string;
}

/** The database could not be reached or its catalogs read. */
export class VerifyUnavailable extends Data.TaggedError("VerifyUnavailable")<{ readonly cause: unknown }> {
  override get message() {
    return `cannot verify: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`;
  }
}

/** At least one object failed; the report says which and why. */
export class VerifyFailed extends Data.TaggedError("VerifyFailed")<{ readonly report: Report }> {
  override get message() {
    const failed = this.report.subjects.filter((subject) => subject.status === "FAIL");
    const names = failed.map((subject) => subject.name);
    const shown = names.length > 4 ? `${names.slice(0, 4).join(", ")}, …` : names.join(", ");
    return `verify failed: ${failed.length} of ${this.report.subjects.length} objects have problems (${shown})`;
  }
}

const samePolicy = (a: Catalog.Policy, b: Catalog.Policy) =>
  a.name === b.name && Catalog.policyDifferences(a, b).length === 0;

const covers = (bound: Declared.Command, command: Declared.Command) => bound === "all" || bound === command;

const checkPolicies = (
  table: Catalog.Table,
  live: ReadonlyArray<Catalog.Policy>,
  canonical: ReadonlyArray<Catalog.Policy>,
  mustBeBounded: boolean,
): ReadonlyArray<Problem> => {
  const problems: Array<Problem> = [];
  for (const declared of canonical) {
    const found = live.find((policy) => policy.name === declared.name);
    if (found === undefined) {
      problems.push(problem("policy-missing", `policy "${declared.name}" is missing`));
      continue;
    }
    const changes = Catalog.policyDifferences(found, declared);
    if (changes.length > 0) {
      problems.push(
        problem("policy-differs", `policy "${declared.name}" differs from the schema: ${changes.join("; ")}`),
      );
    }
  }
  for (const policy of live) {
    if (!canonical.some((declared) => declared.name === policy.name)) {
      problems.push(problem("policy-undeclared", `policy "${policy.name}" is not declared by the schema`));
    }
  }
  if (mustBeBounded) {
    // Only a restrictive policy exactly as declared bounds the permissive ones (policies are ORed, then
    // ANDed with every restrictive one): anything else could let a permissive policy reach other tenants.
    const bounds = live.filter(
      (policy) =>
        !policy.permissive && canonical.some((declared) => !declared.permissive && samePolicy(policy, declared)),
    );
    for (const policy of live.filter((candidate) => candidate.permissive)) {
      if (!bounds.some((bound) => covers(bound.command, policy.command))) {
        problems.push(
          problem(
            "unbounded-permissive",
            `permissive policy "${policy.name}" (FOR ${policy.command.toUpperCase()}) is not bounded by a restrictive tenant policy of ${table.display}: it can widen access beyond the tenant`,
          ),
        );
      }
    }
  }
  return problems;
};

/** Where a tenant table without RLS is declared, for the message of one that is not. */
const DECLARE_OPT_OUT =
  'declare it in the table\'s definition, OrgTable.make(id, { rlsPolicy: "none", reason: "why no RLS" })';

const checkRls = (
  table: Catalog.Table,
  parent: Catalog.Table | undefined,
  exemptions: Readonly<Record<string, string>>,
): ReadonlyArray<Problem> => {
  const reason = exemptions[table.display];
  if (reason !== undefined) {
    return reason.trim() === ""
      ? [problem("exemption-without-reason", "is exempt from RLS without a written reason")]
      : [];
  }
  if (parent?.rlsEnabled === true && (!table.rlsEnabled || !table.rlsForced)) {
    return [
      problem(
        "partition-rls",
        `partition of ${parent.display} with RLS ${table.rlsEnabled ? "not forced" : "disabled"}: queried directly it would not apply the tenant policies`,
      ),
    ];
  }
  if (!table.rlsEnabled) {
    return [
      problem(
        "rls-disabled",
        table.hasOrganizationId
          ? `RLS is disabled on a table with organization_id and the schema declares no opt-out: ${DECLARE_OPT_OUT}`
          : `RLS is disabled and no exemption is declared: enable it (Table.withRls for a global table), or ${DECLARE_OPT_OUT}; outside the schema, list it in Verify.SYSTEM_EXEMPTIONS with its reason`,
      ),
    ];
  }
  return table.rlsForced ? [] : [problem("rls-not-forced", "RLS is not forced: the table owner bypasses it")];
};

const checkViews = (catalog: Catalog.Catalog): ReadonlyArray<Subject> => {
  const names = new Map<number, string>([
    ...catalog.tables.map((table) => [table.oid, table.display] as const),
    ...catalog.views.map((view) => [view.oid, view.display] as const),
  ]);
  // A view over a view over a tenant table reads tenant rows too.
  const tenant = new Set(
    catalog.tables.filter((table) => table.hasOrganizationId || table.rlsEnabled).map((table) => table.oid),
  );
  let grew = true;
  while (grew) {
    grew = false;
    for (const view of catalog.views) {
      if (!tenant.has(view.oid) && view.dependsOn.some((oid) => tenant.has(oid))) {
        tenant.add(view.oid);
        grew = true;
      }
    }
  }
  return catalog.views.map((view) => {
    const reads = view.dependsOn.filter((oid) => tenant.has(oid)).map((oid) => names.get(oid) ?? String(oid));
    if (reads.length === 0) return subject("view", view.display, []);
    if (view.materialized) {
      return subject("view", view.display, [
        problem(
          "materialized-view-over-tenant",
          `materialized view stores rows of ${reads.join(", ")} where RLS does not apply`,
        ),
      ]);
    }
    return subject(
      "view",
      view.display,
      view.securityInvoker
        ? []
        : [
            problem(
              "view-not-security-invoker",
              `view reads ${reads.join(", ")} with its owner's rights, bypassing RLS: set security_invoker = true`,
            ),
          ],
    );
  });
};

const checkFunctions = (catalog: Catalog.Catalog): ReadonlyArray<Subject> =>
  catalog.definerFunctions.map((fn) => {
    if (fn.searchPath === null) {
      return subject("function", fn.display, [
        problem("definer-search-path", "SECURITY DEFINER function does not pin search_path"),
      ]);
    }
    const last = fn.searchPath.split(",").at(-1)?.trim().replaceAll('"', "");
    return subject(
      "function",
      fn.display,
      last === "pg_temp"
        ? []
        : [
            problem(
              "definer-search-path",
              `SECURITY DEFINER function's search_path (${fn.searchPath}) does not end with pg_temp: temporary tables would shadow its tables`,
            ),
          ],
    );
  });

const checkRole = (role: Catalog.Role): Subject => {
  if (!role.exists) return subject("role", role.name, [problem("role-missing", "the runtime role does not exist")]);
  return subject("role", role.name, [
    ...(role.superuser ? [problem("role-superuser", "is a superuser: RLS does not apply to it")] : []),
    ...(role.bypassRls ? [problem("role-bypassrls", "has BYPASSRLS: RLS does not apply to it")] : []),
    ...(role.ownedRelations.length > 0
      ? [
          problem(
            "role-owns-relations",
            `owns ${role.ownedRelations.join(", ")}: an owner can disable RLS and bypasses it unless forced`,
          ),
        ]
      : []),
    ...(role.privilegedMemberships.length > 0
      ? [
          problem(
            "role-privileged-membership",
            `is a member of ${role.privilegedMemberships.join(", ")} (superuser or BYPASSRLS) and can act as it`,
          ),
        ]
      : []),
  ]);
};

/** The names of the database-wide check rows, for the runtime role `role`. */
export const checkNames = (role: string = APP_ROLE) =>
  ({
    createOrTemporary: `${role}: no CREATE or TEMPORARY`,
    roleSettings: `${role}: no role settings`,
    definerFunctions: `${role}: no other SECURITY DEFINER functions`,
    checkFunctions: "tenant context check functions",
    contextKey: "context key",
  }) as const;

const list = (values: ReadonlyArray<string>) => values.join(", ");

const plural = (count: number, one: string, many: string) => (count === 1 ? one : many);

/**
 * Why: nothing one unit of work does may outlive it on a pooled connection. A temporary table comes first on
 * every search_path, so one named like a tenant table would capture the next tenant's statements on that
 * connection; CREATE on the database or any schema lets the role make objects (schemas, functions, operators)
 * that other roles' names resolve to, and own them.
 */
const checkCreateOrTemporary = (name: string, app: Catalog.AppReach): Subject =>
  subject("check", name, [
    ...(app.temporary
      ? [
          problem(
            "app-temporary",
            `has TEMPORARY on database ${app.database}: its temporary tables outlive the transaction and, named like a tenant table, would capture the next tenant's statements on the connection`,
          ),
        ]
      : []),
    ...(app.createOnDatabase
      ? [
          problem(
            "app-create-database",
            `has CREATE on database ${app.database}: it could create schemas and own what is in them`,
          ),
        ]
      : []),
    ...(app.createOnSchemas.length > 0
      ? [
          problem(
            "app-create-schema",
            `has CREATE on ${plural(app.createOnSchemas.length, "schema", "schemas")} ${list(app.createOnSchemas)}: it could create functions, operators or tables that other roles' queries resolve to`,
          ),
        ]
      : []),
  ]);

/**
 * Why: a setting stored on the role (`ALTER ROLE ... SET`) applies to every session it opens, outside the code:
 * a search_path, a preset `beep.context`, `row_security` or a timeout changes what every query means or does.
 */
const checkRoleSettings = (name: string, app: Catalog.AppReach): Subject => {
  const found = app.settings.map(
    (entry) => `${entry.setting} (${entry.database === null ? "every database" : `database ${entry.database}`})`,
  );
  return subject(
    "check",
    name,
    found.length === 0
      ? []
      : [
          problem(
            "app-role-settings",
            `has persistent ${plural(found.length, "setting", "settings")} ${list(found)}: every session of the role starts with them`,
          ),
        ],
  );
};

/**
 * Why: a SECURITY DEFINER function runs with its owner's rights, and owners bypass RLS unless it is forced and
 * can read what the runtime role cannot (the context key). The check functions are the only ones meant to be
 * called that way; any other the role can execute is a way around the policies.
 */
const checkDefinerFunctions = (
  name: string,
  app: Catalog.AppReach,
  checks: ReadonlyArray<Catalog.CheckFunction>,
): Subject => {
  // The checks, and the re-sign by membership (its name needs no quoting).
  const allowed = [...checks.map((fn) => fn.name), TenantContext.ASSUME_ROLE_FUNCTION];
  // Compared as PostgreSQL prints them: `beep."current_role"()` is `beep.current_role()`.
  const printed = new Set([
    ...checks.flatMap((fn) => (fn.printed === null ? [] : [fn.printed])),
    TenantContext.ASSUME_ROLE_FUNCTION,
  ]);
  const offenders = app.executableDefiners.filter((fn) => !printed.has(fn));
  return subject(
    "check",
    name,
    offenders.length === 0
      ? []
      : [
          problem(
            "app-executes-definer",
            `can execute SECURITY DEFINER ${list(offenders)}: only ${list(allowed)} may run with their owner's rights for it`,
          ),
        ],
  );
};

/**
 * Why: every tenant policy calls these functions. They must exist; be SECURITY DEFINER to read the key the
 * runtime role cannot; be STABLE (an IMMUTABLE one could be folded into a cached plan and answer for another
 * ticket, a VOLATILE one could write with the owner's rights); and pin search_path so the caller's cannot
 * redirect the names they use.
 */
const checkCheckFunctions = (name: string, functions: ReadonlyArray<Catalog.CheckFunction>): Subject =>
  subject(
    "check",
    name,
    functions.flatMap((fn) => {
      if (!fn.exists) {
        return [problem("check-function-missing", `${fn.name} is missing: the tenant policies call it`)];
      }
      return [
        ...(fn.securityDefiner
          ? []
          : [
              problem(
                "check-function-not-definer",
                `${fn.name} is not SECURITY DEFINER: it cannot read the context key for the runtime role`,
              ),
            ]),
        ...(fn.stable ? [] : [problem("check-function-not-stable", `${fn.name} is not STABLE`)]),
        ...(fn.searchPath === null
          ? [problem("check-function-search-path", `${fn.name} does not pin search_path`)]
          : []),
      ];
    }),
  );

/**
 * Why: the key is what makes a ticket unforgeable. Without it installed no ticket passes and every tenant query
 * sees nothing; readable by the runtime role (USAGE on its schema, SELECT on the table or a column), it would
 * let the role sign a ticket for any organization. `enter_tenant` opens any organization's context, so it is
 * for `beep_admin` only.
 */
const checkContextKey = (name: string, role: string, hardening: Catalog.Hardening): Subject => {
  const { app, contextKey } = hardening;
  const readable = [
    ...(app.privateSchemaUsage ? [`USAGE on schema ${TenantContext.PRIVATE_SCHEMA}`] : []),
    ...(app.contextKeySelect ? [`SELECT on ${contextKey.table}`] : []),
  ];
  return subject("check", name, [
    ...(!contextKey.tableExists
      ? [problem("context-key-missing", `${contextKey.table} does not exist: no ticket can be checked`)]
      : contextKey.rows === 0
        ? [
            problem(
              "context-key-missing",
              `no context key is installed (${contextKey.table} is empty): no ticket passes, so tenant queries see nothing; run db:migrate with BEEP_CONTEXT_KEY`,
            ),
          ]
        : contextKey.rows > 1
          ? [problem("context-key-missing", `${contextKey.table} has ${contextKey.rows} rows, expected one`)]
          : []),
    ...(readable.length > 0
      ? [
          problem(
            "context-key-readable",
            `${role} has ${readable.join(" and ")}: with the key it could sign a ticket for any organization`,
          ),
        ]
      : []),
    ...(app.enterTenantExecutable.length > 0
      ? [
          problem(
            "enter-tenant-executable",
            `${role} can execute ${list(app.enterTenantExecutable)}, which opens any organization's context: only ${ADMIN_ROLE} may`,
          ),
        ]
      : []),
  ]);
};

/**
 * Audits a live database against the schema: RLS enabled and forced, tenant policies as declared and
 * bounding every permissive one, exemptions written down, partitions isolated like their parents, unique
 * indexes scoped by organization, views with security_invoker, SECURITY DEFINER functions with a pinned
 * search_path, and a runtime role that RLS applies to. Then the database-wide checks (`checkNames`): the
 * runtime role creates nothing, has no stored settings and executes no SECURITY DEFINER function but the
 * tenant context's check functions, which are in order; the context key is installed and out of its reach.
 * On Citus also (`ClusterChecks`): every table placed as `Distribution.plan` says, every shard placement's row
 * security and policies as its table's, and the coordinator's context key on every worker.
 */
export const verify = (url: string, options: VerifyOptions = {}): Effect.Effect<Report, VerifyUnavailable> =>
  Effect.gen(function* () {
    const local = yield* Sql.use(
      url,
      async (sql) => [
        ...(await MigrationChecks.audit(sql, {
          migrationsDir: options.migrationsDir ?? DrizzleKit.MIGRATIONS_DIR,
          tables: (options.declaredTables ?? Registry.tables).map((table) => getTableConfig(table).name),
        })),
        ...(await audit(sql, options)),
      ],
      (cause) => new VerifyUnavailable({ cause }),
    );
    const cluster = yield* Effect.mapError(
      ClusterChecks.audit(url, options.declaredTables),
      (error) => new VerifyUnavailable({ cause: error.cause }),
    );
    return reportOf([...local, ...cluster]);
  });

const audit = async (sql: postgres.Sql, options: VerifyOptions): Promise<ReadonlyArray<Subject>> => {
  const declaredTables = options.declaredTables ?? [...Registry.tables, ...Registry.codeTables];
  const exemptions = { ...(options.exemptions ?? SYSTEM_EXEMPTIONS), ...declaredExemptions(declaredTables) };
  const appRole = options.appRole ?? APP_ROLE;
  const catalog = await Catalog.read(sql, appRole);
  const declaredByName = new Map(
    declaredTables.map((table) => [getTableConfig(table).name, Declared.ofTable(table)] as const),
  );
  const byOid = new Map(catalog.tables.map((table) => [table.oid, table]));

  /** What the schema declares for a table: its own policies, its parent's, or the standard tenant policy. */
  const expected = (table: Catalog.Table): ReadonlyArray<Declared.DeclaredPolicy> | undefined => {
    const declared = table.schema === "public" ? declaredByName.get(table.name) : undefined;
    if (declared !== undefined) return declared;
    const parent = table.parentOid === null ? undefined : byOid.get(table.parentOid);
    const inherited = parent === undefined ? undefined : expected(parent);
    if (parent !== undefined && inherited !== undefined) {
      return Declared.forPartition(inherited, parent.name, table.name);
    }
    // A tenant table the schema does not know: the standard tenant policy, unless it is an exempt opt-out.
    const standard = table.hasOrganizationId && exemptions[table.display] === undefined;
    return standard ? TenantPolicy.specs(table.name, "standard").map(Declared.ofSpec) : undefined;
  };

  const tables: Array<Subject> = [];
  for (const table of catalog.tables) {
    const parent = table.parentOid === null ? undefined : byOid.get(table.parentOid);
    const problems: Array<Problem> = [...checkRls(table, parent, exemptions)];
    const declared = expected(table);
    const exempt = exemptions[table.display] !== undefined;
    if (declared !== undefined) {
      const canonical =
        declared.length === 0 ? { policies: [] } : await Catalog.canonicalPolicies(sql, table, declared);
      if ("error" in canonical) {
        problems.push(problem("policy-invalid", `the declared policies do not fit the table: ${canonical.error}`));
      } else {
        const mustBeBounded = !exempt && (table.hasOrganizationId || declared.some((p) => p.as === "restrictive"));
        problems.push(
          ...checkPolicies(table, catalog.policies.get(table.oid) ?? [], canonical.policies, mustBeBounded),
        );
      }
    }
    if (table.hasOrganizationId) {
      for (const index of catalog.uniqueIndexes) {
        if (index.tableOid !== table.oid || index.includesOrganizationId) continue;
        problems.push(
          problem(
            "unique-without-organization",
            `unique index "${index.name}" does not include organization_id: tenants' rows could collide`,
          ),
        );
      }
    }
    tables.push(subject(parent === undefined ? "table" : "partition", table.display, problems));
  }
  const hardening = await Catalog.readHardening(sql, {
    appRole,
    checkFunctions: TenantContext.CHECK_FUNCTIONS,
    privateSchema: TenantContext.PRIVATE_SCHEMA,
    contextKeyTable: "context_key",
    // Every overload: the one without a role (0003) as much as the one with it.
    enterTenant: TenantContext.ENTER_TENANT,
  });
  const names = checkNames(appRole);
  return [
    ...tables,
    ...checkViews(catalog),
    ...checkFunctions(catalog),
    checkRole(catalog.appRole),
    checkCreateOrTemporary(names.createOrTemporary, hardening.app),
    checkRoleSettings(names.roleSettings, hardening.app),
    checkDefinerFunctions(names.definerFunctions, hardening.app, hardening.checkFunctions),
    checkCheckFunctions(names.checkFunctions, hardening.checkFunctions),
    checkContextKey(names.contextKey, appRole, hardening),
  ];
};

/** The report as a text table: one row per object, each problem on its own line. */
export const renderTable = (report: Report): string => {
  const width = (values: ReadonlyArray<string>) => Math.max(...values.map((value) => value.length));
  const nameWidth = width(["object", ...report.subjects.map((entry) => entry.name)]);
  const kindWidth = width(["kind", ...report.subjects.map((entry) => entry.kind)]);
  const row = (name: string, kind: string, status: string, detail: string) =>
    `${name.padEnd(nameWidth)}  ${kind.padEnd(kindWidth)}  ${status.padEnd(6)}  ${detail}`.trimEnd();
  const lines = [row("object", "kind", "status", "problems")];
  for (const entry of report.subjects) {
    const [first, ...rest] = entry.problems;
    lines.push(row(entry.name, entry.kind, entry.status, first?.message ?? ""));
    for (const more of rest) lines.push(row("", "", "", more.message));
  }
  const failed = report.subjects.filter((entry) => entry.status === "FAIL").length;
  lines.push(
    failed === 0 ? `all ${report.subjects.length} objects ok` : `${failed} of ${report.subjects.length} objects FAIL`,
  );
  return lines.join("\n");
};
