import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as DrizzleKit from "./DrizzleKit.ts";
import * as Enforcement from "./Enforcement.ts";
import * as Registry from "./Registry.ts";

export interface GenerateResult {
  /** Tags of the migrations written, in order; empty when the folder was already in sync. */
  readonly written: ReadonlyArray<string>;
}

const BREAKPOINT = "\n--> statement-breakpoint\n";

/** Statements separated by drizzle's breakpoints; a comment line stays attached to the statement after it. */
const joinStatements = (statements: ReadonlyArray<string>) =>
  statements
    .map((statement) => (statement.startsWith("--") ? `${statement}\n` : `${statement}${BREAKPOINT}`))
    .join("")
    .replace(/\n--> statement-breakpoint\n$/, "");

/**
 * `db:generate`: drizzle-kit's schema diff, then a custom migration, in the same journal, with whatever
 * roles, FORCE ROW LEVEL SECURITY and grants the schema needs and no migration has yet.
 */
export const generate = async (
  migrationsDir: string = DrizzleKit.MIGRATIONS_DIR,
  log: (line: string) => void = () => {},
): Promise<GenerateResult> => {
  const before = DrizzleKit.journal(migrationsDir).length;
  await DrizzleKit.run(["generate", "--name", "schema"], migrationsDir);
  const missing = Enforcement.missingStatements(Registry.tables, migrationsDir);
  if (missing.length > 0) {
    await DrizzleKit.run(["generate", "--custom", "--name", "enforce_rls"], migrationsDir);
    const entries = DrizzleKit.journal(migrationsDir);
    const entry = entries.at(-1);
    // drizzle-kit can fail and still exit 0: trust the journal, not the exit code.
    if (entry === undefined || !entry.tag.endsWith("_enforce_rls") || entries.length <= before) {
      throw new Error("drizzle-kit did not record the custom migration; nothing was written");
    }
    const header = "-- Written by db:generate: what drizzle-kit cannot emit (roles, FORCE RLS, grants).";
    writeFileSync(join(migrationsDir, `${entry.tag}.sql`), `${header}\n${joinStatements(missing)}\n`);
  }
  const written = DrizzleKit.journal(migrationsDir)
    .slice(before)
    .map((entry) => entry.tag);
  for (const tag of written) log(`wrote ${tag}.sql`);
  if (written.length === 0) log("migrations are in sync with the schema");
  return { written };
};
