import { randomBytes } from "node:crypto";
import { Data, Effect } from "effect";
import * as DrizzleKit from "./DrizzleKit.ts";
import * as Catalog from "./internal/catalog.ts";
import * as Sql from "./internal/sql.ts";
import * as Migrator from "./Migrator.ts";

/**
 * `db:diff`: the live database's policies, keys and grants against the declared ones.
 *
 * The declared side is read from a scratch database on the same server, migrated from the committed migrations
 * and dropped afterwards, with the same catalog queries as the live side. So both are as PostgreSQL prints them
 * (`pg_get_expr`, `pg_get_constraintdef`, `aclexplode`): expressions it rewrote, casts it added and the order of a
 * composite key's columns compare as they are, with no normalising of our own. The migrations are the declared
 * schema: `test/Generate.test.ts` fails while they lag it, and `db:verify` checks the live database applied them.
 */

export type EntryKind = "policy" | "key" | "grant";
/** `same` is shown with `--all` only; `missing` is declared but not live, `undeclared` live but not declared. */
export type EntryStatus = "same" | "differs" | "missing" | "undeclared";

export interface Entry {
  readonly kind: EntryKind;
  readonly table: string;
  /** The policy's or key's name; for a grant, the grantee. */
  readonly name: string;
  readonly status: EntryStatus;
  readonly detail: string;
}

export interface DiffResult {
  /** Every policy, key and grant of either side, sorted by kind, table and name. */
  readonly entries: ReadonlyArray<Entry>;
  readonly differences: number;
}

export interface DiffOptions {
  /** The migrations that declare the schema; defaults to the committed `drizzle/`. */
  readonly migrationsDir?: string;
}

/** The live database or the scratch one could not be reached, created or migrated. */
export class DiffUnavailable extends Data.TaggedError("DiffUnavailable")<{ readonly cause: unknown }> {
  override get message() {
    return `cannot diff: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`;
  }
}

/** The live database differs from the declared one; the output lists how. */
export class DiffFound extends Data.TaggedError("DiffFound")<{ readonly result: DiffResult }> {
  override get message() {
    return `db:diff: ${summary(this.result)}`;
  }
}

/** The shape of a database the migrations build from nothing, on the server of `url`. */
const declaredShape = (url: string, migrationsDir: string) =>
  Effect.gen(function* () {
    const admin = yield* Sql.connection(url, (cause) => new DiffUnavailable({ cause }));
    const name = `beep_diff_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => admin.unsafe(`CREATE DATABASE "${name}"`),
        catch: (cause) => new DiffUnavailable({ cause }),
      }),
      () => Effect.promise(() => admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).pipe(Effect.ignore),
    );
    const scratch = Sql.withDatabase(url, name);
    yield* Effect.mapError(
      Migrator.migrate({ url: scratch, migrationsDir }),
      (cause) => new DiffUnavailable({ cause }),
    );
    return yield* Sql.use(scratch, Catalog.readShape, (cause) => new DiffUnavailable({ cause }));
  }).pipe(Effect.scoped);

const describePolicy = (policy: Catalog.Policy) =>
  [
    `${policy.permissive ? "PERMISSIVE" : "RESTRICTIVE"} FOR ${policy.command.toUpperCase()} TO ${[...policy.roles].sort().join(", ")}`,
    policy.using === null ? "" : ` USING (${policy.using})`,
    policy.withCheck === null ? "" : ` WITH CHECK (${policy.withCheck})`,
  ].join("");

const privileges = (grant: Catalog.Grant) => grant.privileges.join(", ");

/** What a grantee may do beyond the declared grant, and what it lacks of it. */
const grantDifferences = (live: Catalog.Grant, declared: Catalog.Grant): ReadonlyArray<string> => {
  const extra = live.privileges.filter((privilege) => !declared.privileges.includes(privilege));
  const lacking = declared.privileges.filter((privilege) => !live.privileges.includes(privilege));
  return [
    ...(extra.length === 0 ? [] : [`extra ${extra.join(", ")}`]),
    ...(lacking.length === 0 ? [] : [`lacks ${lacking.join(", ")}`]),
  ].map((change) => `${change} (declared ${privileges(declared)})`);
};

/** Pairs the two sides by `key`; `compare` gives the differences of a pair, `describe` one side alone. */
const pair = <A>(
  kind: EntryKind,
  live: ReadonlyArray<A>,
  declared: ReadonlyArray<A>,
  identify: (value: A) => { readonly table: string; readonly name: string },
  describe: (value: A) => string,
  compare: (live: A, declared: A) => ReadonlyArray<string>,
): ReadonlyArray<Entry> => {
  const id = (value: A) => JSON.stringify(identify(value));
  const declaredById = new Map(declared.map((value) => [id(value), value] as const));
  const liveById = new Map(live.map((value) => [id(value), value] as const));
  const entries: Array<Entry> = [];
  for (const value of live) {
    const other = declaredById.get(id(value));
    const changes = other === undefined ? [] : compare(value, other);
    entries.push({
      kind,
      ...identify(value),
      status: other === undefined ? "undeclared" : changes.length > 0 ? "differs" : "same",
      detail: other === undefined || changes.length === 0 ? describe(value) : changes.join("; "),
    });
  }
  for (const value of declared) {
    if (!liveById.has(id(value)))
      entries.push({ kind, ...identify(value), status: "missing", detail: describe(value) });
  }
  return entries;
};

const KIND_ORDER: ReadonlyArray<EntryKind> = ["policy", "key", "grant"];

/** Compares two shapes read by `Catalog.readShape`: `live` against `declared`. */
export const compare = (live: Catalog.Shape, declared: Catalog.Shape): DiffResult => {
  const entries = [
    ...pair(
      "policy",
      live.policies,
      declared.policies,
      (policy) => ({ table: policy.table, name: policy.name }),
      describePolicy,
      Catalog.policyDifferences,
    ),
    ...pair(
      "key",
      live.keys,
      declared.keys,
      (key) => ({ table: key.table, name: key.name }),
      (key) => key.definition,
      (a, b) => (a.definition === b.definition ? [] : [`is ${a.definition}, declared ${b.definition}`]),
    ),
    ...pair(
      "grant",
      live.grants,
      declared.grants,
      (grant) => ({ table: grant.table, name: grant.grantee }),
      privileges,
      grantDifferences,
    ),
  ].sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      a.table.localeCompare(b.table) ||
      a.name.localeCompare(b.name),
  );
  return { entries, differences: entries.filter((entry) => entry.status !== "same").length };
};

/** The live database at `url` against a database migrated from `options.migrationsDir` on the same server. */
export const diff = (url: string, options: DiffOptions = {}): Effect.Effect<DiffResult, DiffUnavailable> =>
  Effect.gen(function* () {
    const declared = yield* declaredShape(url, options.migrationsDir ?? DrizzleKit.MIGRATIONS_DIR);
    const live = yield* Sql.use(url, Catalog.readShape, (cause) => new DiffUnavailable({ cause }));
    return compare(live, declared);
  });

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One line: how many of each kind were compared and how many differ. */
export const summary = (result: DiffResult): string => {
  const compared = KIND_ORDER.map((kind) => {
    const of = result.entries.filter((entry) => entry.kind === kind);
    const differing = of.filter((entry) => entry.status !== "same").length;
    const noun = count(of.length, kind, kind === "policy" ? "policies" : `${kind}s`);
    return differing === 0 ? noun : `${noun} (${differing} differ)`;
  }).join(", ");
  return result.differences === 0
    ? `no differences: ${compared} as declared`
    : `${count(result.differences, "difference", "differences")}: ${compared}`;
};

/** The entries as aligned columns (only the differences unless `all`), then the summary line. */
export const render = (result: DiffResult, options: { readonly all?: boolean } = {}): string => {
  const shown = result.entries.filter((entry) => options.all === true || entry.status !== "same");
  const width = (pick: (entry: Entry) => string) => Math.max(0, ...shown.map((entry) => pick(entry).length));
  const widths = [width((e) => e.kind), width((e) => e.table), width((e) => e.name), width((e) => e.status)];
  const lines = shown.map((entry) =>
    [entry.kind, entry.table, entry.name, entry.status]
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .concat(entry.detail)
      .join("  ")
      .trimEnd(),
  );
  return [...lines, summary(result)].join("\n");
};
