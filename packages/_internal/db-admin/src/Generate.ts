import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ContextTicket } from "@beep/shared-tables";
import { Data, Effect } from "effect";
import * as AuditEvent from "./AuditEvent.ts";
import * as DrizzleKit from "./DrizzleKit.ts";
import * as Enforcement from "./Enforcement.ts";
import * as Registry from "./Registry.ts";
import { ADMIN_ROLE, APP_ROLE, createRolesSql, hardeningSql } from "./Roles.ts";
import * as SharedRows from "./SharedRows.ts";

/** drizzle-kit failed, or did not record a migration it was asked for. */
export class GenerateFailed extends Data.TaggedError("GenerateFailed")<{
  readonly reason: string;
  readonly cause?: unknown;
}> {
  override get message() {
    const detail = (this.cause as { stderr?: string } | undefined)?.stderr?.trim().split("\n").at(-1);
    return `generate failed: ${this.reason}${detail ? ` (${detail})` : ""}`;
  }
}

/** drizzle-kit's diff would drop or retype something; nothing was written. */
export class DestructiveChange extends Data.TaggedError("DestructiveChange")<{
  readonly statements: ReadonlyArray<string>;
}> {
  override get message() {
    return [
      `db:generate would write ${this.statements.length} destructive statement(s), so it wrote nothing:`,
      ...this.statements.map((statement) => `  ${statement}`),
      "Data in them is lost when the migration runs. If that is intended, run db:generate --allow-destructive.",
    ].join("\n");
  }
}

// What loses data: dropped tables, schemas or columns, and a column's type changed (it may narrow).
const DESTRUCTIVE = [
  /^DROP TABLE\b/i,
  /^DROP SCHEMA\b/i,
  /^ALTER TABLE\b.*\bDROP COLUMN\b/i,
  /^ALTER TABLE\b.*\bALTER COLUMN\b.*\bSET DATA TYPE\b/i,
];

/** The statements of a migration's SQL that lose data. */
export const destructiveStatements = (sql: string): ReadonlyArray<string> =>
  sql
    .split("--> statement-breakpoint")
    .map((statement) => statement.replace(/^--.*$/gm, "").trim())
    .filter((statement) => DESTRUCTIVE.some((pattern) => pattern.test(statement)));

/** A migration whose SQL is rendered by code, written once into the journal when missing. */
export interface CodeMigration {
  /** The journal tag is `NNNN_<name>`. */
  readonly name: string;
  readonly header: string;
  readonly statements: () => ReadonlyArray<string>;
  /** `before`: written ahead of drizzle-kit's diff, for what the schema's policies call. Default `after`. */
  readonly phase?: "before" | "after";
}

export const CODE_MIGRATIONS: ReadonlyArray<CodeMigration> = [
  {
    name: "tenant_context",
    header:
      "-- Written by db:generate from @beep/shared-tables ContextTicket and src/Roles.ts: the signed tenant context and the runtime role's limits.",
    statements: () => [
      ...createRolesSql(),
      ...hardeningSql(),
      ...ContextTicket.migrationStatements({ app: APP_ROLE, admin: ADMIN_ROLE }),
    ],
    phase: "before",
  },
  {
    name: "audit_event",
    header:
      "-- Written by db:generate from src/AuditEvent.ts: the partitioned audit trail, its isolation and partitions.",
    statements: AuditEvent.migrationStatements,
  },
  {
    name: "audit_event_context",
    header:
      "-- Written by db:generate from src/AuditEvent.ts: the audit trail's policies on the signed tenant context.",
    statements: AuditEvent.reisolationStatements,
  },
  {
    name: "audit_event_partition_move",
    header:
      "-- Written by db:generate from src/AuditEvent.ts: the partition function moves default-partition rows as an owner that is no superuser.",
    statements: AuditEvent.partitionMoveStatements,
  },
  {
    name: "shared_rows",
    header:
      "-- Written by db:generate from src/SharedRows.ts: the shared organization, and the shared rows of nullable tables moved to it from NULL.",
    statements: () => SharedRows.migrationStatements(),
    // Before the diff that makes organization_id NOT NULL: no row may be NULL by then.
    phase: "before",
  },
  {
    name: "tenant_roles",
    header:
      "-- Written by db:generate from @beep/shared-tables ContextTicket: the role claim (beep.current_role()) and enter_tenant with a role.",
    statements: () => ContextTicket.roleStatements({ admin: ADMIN_ROLE }),
    // Before the diff whose per-role policies call beep.current_role().
    phase: "before",
  },
  {
    name: "context_checks",
    header:
      "-- Written by db:generate from @beep/shared-tables ContextTicket: the check functions in PL/pgSQL, and beep.current_user_id_for(roles).",
    statements: ContextTicket.checkStatements,
    // Before the diff whose grants on own rows call beep.current_user_id_for().
    phase: "before",
  },
  {
    name: "assume_role",
    header:
      "-- Written by db:generate from @beep/shared-tables ContextTicket and the table declaring roleColumn: beep.assume_role(), a person's role re-signed in the database.",
    statements: () => ContextTicket.assumeRoleStatements(Registry.roleSourceOf(Registry.tenantTables)),
  },
];

export interface GenerateOptions {
  readonly migrationsDir?: string;
  /** Write a diff that drops or retypes something (`--allow-destructive`); refused by default. */
  readonly allowDestructive?: boolean;
  /** Schema modules with tables besides `src/schema.ts`; tests use it to add a table. */
  readonly extraSchemas?: ReadonlyArray<string>;
}

export interface GenerateResult {
  /** Tags of the migrations written, in order; empty when the folder was already in sync. */
  readonly written: ReadonlyArray<string>;
  /**
   * The names drizzle-kit asked "created or renamed?" about and was answered "create" (policies, tables…): a table's
   * first grants replace its baseline policy with grant policies. Never a rename: a create standing for one drops
   * the old object, and drops are refused without `allowDestructive`.
   */
  readonly answered: ReadonlyArray<string>;
}

const BREAKPOINT = "\n--> statement-breakpoint\n";

/** Statements separated by drizzle's breakpoints; a comment line stays attached to the statement after it. */
export const joinStatements = (statements: ReadonlyArray<string>) =>
  statements
    .map((statement) => (statement.startsWith("--") ? `${statement}\n` : `${statement}${BREAKPOINT}`))
    .join("")
    .replace(/\n--> statement-breakpoint\n$/, "");

/** The file content of a code-rendered migration. */
export const render = (header: string, statements: ReadonlyArray<string>) =>
  `${header}\n${joinStatements(statements)}\n`;

const attempt = <A>(reason: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new GenerateFailed({ reason, cause }) });

/**
 * `db:generate`: drizzle-kit's schema diff; then a custom migration, in the same journal, with whatever
 * roles, FORCE ROW LEVEL SECURITY and grants the schema needs and no migration has yet; then any
 * code-rendered migration (the audit trail) not yet written.
 */
export const generate = (
  options: GenerateOptions = {},
): Effect.Effect<GenerateResult, GenerateFailed | DestructiveChange> =>
  Effect.gen(function* () {
    const dir = options.migrationsDir ?? DrizzleKit.MIGRATIONS_DIR;
    const extraSchemas = options.extraSchemas ?? [];
    const extraTables = yield* attempt("cannot load the extra schemas", () =>
      Promise.all(extraSchemas.map((path) => import(pathToFileURL(path).href))),
    ).pipe(Effect.map((modules) => modules.flatMap(Registry.tablesOf)));
    const before = DrizzleKit.journal(dir).length;
    if (options.allowDestructive !== true) yield* refuseDestructive(dir, extraSchemas);

    /** `drizzle-kit generate --custom`, then our SQL in the file it recorded. */
    const writeCustom = (name: string, content: string) =>
      Effect.gen(function* () {
        const count = DrizzleKit.journal(dir).length;
        yield* attempt(`drizzle-kit generate --custom --name ${name}`, () =>
          DrizzleKit.run(["generate", "--custom", "--name", name], dir, { extraSchemas }),
        );
        const entries = DrizzleKit.journal(dir);
        const entry = entries.at(-1);
        // drizzle-kit can fail and still exit 0: trust the journal, not the exit code.
        if (entry === undefined || !entry.tag.endsWith(`_${name}`) || entries.length <= count) {
          return yield* new GenerateFailed({ reason: `drizzle-kit did not record the custom migration ${name}` });
        }
        writeFileSync(join(dir, `${entry.tag}.sql`), content);
      });

    const writeCodeMigrations = (phase: "before" | "after") =>
      Effect.forEach(
        CODE_MIGRATIONS.filter((migration) => (migration.phase ?? "after") === phase),
        (migration) =>
          DrizzleKit.journal(dir).some((entry) => entry.tag.endsWith(`_${migration.name}`))
            ? Effect.void
            : writeCustom(migration.name, render(migration.header, migration.statements())),
        { discard: true },
      );

    yield* writeCodeMigrations("before");
    const schemaRun = yield* attempt("drizzle-kit generate", () =>
      DrizzleKit.run(["generate", "--name", "schema"], dir, { extraSchemas }),
    );
    const missing = Enforcement.missingStatements([...Registry.tables, ...extraTables], dir);
    if (missing.length > 0) {
      const header = "-- Written by db:generate: what drizzle-kit cannot emit (roles, FORCE RLS, grants).";
      yield* writeCustom("enforce_rls", render(header, missing));
    }
    yield* writeCodeMigrations("after");

    return {
      written: DrizzleKit.journal(dir)
        .slice(before)
        .map((entry) => entry.tag),
      answered: DrizzleKit.answeredCreate(schemaRun.stdout),
    };
  });

/**
 * The diff drizzle-kit would write, generated first into a scratch copy of the migrations: destructive statements
 * fail before anything is written to `dir`.
 */
const refuseDestructive = (dir: string, extraSchemas: ReadonlyArray<string>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const scratch = mkdtempSync(join(tmpdir(), "beep-generate-check-"));
      cpSync(dir, scratch, { recursive: true });
      return scratch;
    }),
    (scratch) =>
      Effect.gen(function* () {
        const count = DrizzleKit.journal(scratch).length;
        yield* attempt("drizzle-kit generate", () =>
          DrizzleKit.run(["generate", "--name", "schema"], scratch, { extraSchemas }),
        );
        const statements = DrizzleKit.journal(scratch)
          .slice(count)
          .flatMap((entry) => destructiveStatements(readFileSync(join(scratch, `${entry.tag}.sql`), "utf8")));
        if (statements.length > 0) return yield* new DestructiveChange({ statements });
      }),
    (scratch) => Effect.sync(() => rmSync(scratch, { recursive: true, force: true })),
  );
