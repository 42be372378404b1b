import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import postgres from "postgres";
import { DrizzleKit } from "../src/index.ts";
import { enter } from "../src/testing/MigratedDatabase.ts";

/** Runs `f` with a one-connection client to `url`, closed afterwards. */
export const query = async <A>(url: string, f: (sql: postgres.Sql) => Promise<A>): Promise<A> => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await f(sql);
  } finally {
    await sql.end();
  }
};

export const withSql = <A>(url: string, f: (sql: postgres.Sql) => Promise<A>) => Effect.promise(() => query(url, f));

/**
 * One transaction with a ticket signed by `key`, the way the runtime sets it (or none, for `null`), as the
 * organization's owner: the strongest role, so what these tests prove holds for every role of the tenant.
 */
export const asTenant = <A>(
  sql: postgres.Sql,
  key: string,
  org: string | null,
  f: (tx: postgres.TransactionSql) => Promise<A>,
) =>
  sql.begin(async (tx) => {
    if (org !== null) await tx.unsafe(...enter(key, org, undefined, OWNER));
    return f(tx);
  }) as Promise<A>;

const OWNER = "owner";

/** The error a promise rejects with, or undefined when it resolves. */
export const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (cause: unknown) => cause as { code?: string; message?: string },
  );

/** A scratch copy of the committed migrations folder, removed by `remove`. */
export const copyMigrations = () => {
  const root = mkdtempSync(join(tmpdir(), "beep-migrations-"));
  const dir = join(root, "drizzle");
  cpSync(DrizzleKit.MIGRATIONS_DIR, dir, { recursive: true });
  return { dir, remove: () => rmSync(root, { recursive: true, force: true }) };
};

/** Every file of a migrations folder with its content, to prove a run wrote nothing. */
export const contents = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".sql") || name.endsWith(".json"))
      .sort()
      .map((name) => [name, readFileSync(join(dir, name), "utf8")]),
  );

/** A scratch migrations folder cut after `lastTag`: the repository as it was then. */
export const migrationsUpTo = (lastTag: string) => {
  const scratch = copyMigrations();
  const path = join(scratch.dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(path, "utf8")) as { entries: Array<{ tag: string }> };
  const cut = journal.entries.findIndex((entry) => entry.tag === lastTag);
  if (cut < 0) throw new Error(`no migration ${lastTag}`);
  writeFileSync(path, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut + 1) }, null, 2));
  return scratch;
};

/** The committed migration just before the one named `name` (`NNNN_<name>`). */
export const tagBefore = (name: string): string => {
  const tags = DrizzleKit.journal(DrizzleKit.MIGRATIONS_DIR).map((entry) => entry.tag);
  const index = tags.findIndex((tag) => tag.endsWith(`_${name}`));
  const before = tags[index - 1];
  if (index < 0 || before === undefined) throw new Error(`no migration before ${name}`);
  return before;
};

/** The names (`<name>` of `NNNN_<name>`) of the committed migrations after `tag`: what an upgrade from it applies. */
export const namesAfter = (tag: string): ReadonlyArray<string> => {
  const tags = DrizzleKit.journal(DrizzleKit.MIGRATIONS_DIR).map((entry) => entry.tag);
  const index = tags.indexOf(tag);
  if (index < 0) throw new Error(`no migration ${tag}`);
  return tags.slice(index + 1).map((later) => later.replace(/^\d+_/, ""));
};

/** Appends a hand-written migration to a scratch folder's journal. */
export const appendMigration = (dir: string, name: string, sql: string): string => {
  const path = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(path, "utf8")) as {
    entries: Array<{ idx: number; version: string; when: number; tag: string; breakpoints: boolean }>;
  };
  const last = journal.entries.at(-1);
  const idx = (last?.idx ?? -1) + 1;
  const tag = `${String(idx).padStart(4, "0")}_${name}`;
  journal.entries.push({ idx, version: "7", when: (last?.when ?? 0) + 1, tag, breakpoints: true });
  writeFileSync(path, JSON.stringify(journal, null, 2));
  writeFileSync(join(dir, `${tag}.sql`), sql);
  return tag;
};

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// Settings of the caller's environment that would aim a run at a database, or change a role, the test did not name.
const OWN_SETTINGS = ["DATABASE_URL", "APP_DATABASE_URL", "BEEP_APP_PASSWORD", "BEEP_CONTEXT_KEY"];

/** Runs the CLI the way the root scripts do (`bun src/bin/cli.ts ...`) with exactly `env` added. */
export const cli = (args: ReadonlyArray<string>, env: Record<string, string | undefined>): Promise<CliResult> =>
  new Promise((resolve) => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !OWN_SETTINGS.includes(name)));
    execFile(
      "bun",
      ["src/bin/cli.ts", ...args],
      { cwd: DrizzleKit.PACKAGE_DIR, env: { ...inherited, ...env, NO_COLOR: "1" }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
