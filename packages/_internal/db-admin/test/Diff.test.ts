import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { AuditEvent, Diff } from "../src/index.ts";
import * as MigratedDatabase from "../src/testing/MigratedDatabase.ts";
import { cli, query } from "./support.ts";

/** A composite foreign key of `iam_team_member` (organization_id first, as `OrgTable.reference` writes it). */
const compositeForeignKey = (url: string) =>
  query(url, async (sql) => {
    const [row] = await sql`select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint
      where conrelid = 'iam_team_member'::regclass and contype = 'f' and array_length(conkey, 1) > 1 order by conname limit 1`;
    if (row === undefined) throw new Error("iam_team_member has no composite foreign key");
    return { name: String(row.name), definition: String(row.definition) };
  });

describe("Diff.diff", () => {
  it.effect(
    "a migrated database is as declared; a policy altered, one added, a grant added and a foreign key dropped are each named",
    () =>
      Effect.gen(function* () {
        const database = yield* Effect.acquireRelease(
          Effect.promise(() => MigratedDatabase.create()),
          (created) => Effect.promise(() => created.drop()),
        );
        const env = { DATABASE_URL: database.adminUrl };

        const clean = yield* Diff.diff(database.adminUrl);
        assert.strictEqual(clean.differences, 0, Diff.render(clean));
        const kinds = new Set(clean.entries.map((entry) => entry.kind));
        assert.deepStrictEqual([...kinds], ["policy", "key", "grant"]);
        // Partitions follow their parent (db:verify checks them): only the parent is compared.
        const tables = new Set(clean.entries.map((entry) => entry.table));
        assert.isTrue(tables.has("shared_audit_event"));
        assert.isFalse(tables.has(AuditEvent.DEFAULT_PARTITION));
        const partitions = yield* Effect.promise(() =>
          query(
            database.adminUrl,
            (sql) => sql`select count(*)::int as n from pg_inherits
            where inhparent = 'shared_audit_event'::regclass`,
          ),
        );
        assert.isAbove(partitions[0]?.n ?? 0, 0);
        const ok = yield* Effect.promise(() => cli(["diff"], env));
        assert.strictEqual(ok.code, 0, ok.stderr);
        assert.match(ok.stdout.trim(), /^no differences: \d+ policies, \d+ keys, \d+ grants as declared$/);
        const all = yield* Effect.promise(() => cli(["diff", "--all"], env));
        assert.include(all.stdout, "policy  iam_team_member");
        assert.include(all.stdout, " same ");

        const key = yield* Effect.promise(() => compositeForeignKey(database.adminUrl));
        yield* Effect.promise(() =>
          query(database.adminUrl, async (sql) => {
            await sql.unsafe(`ALTER POLICY tenant_isolation_iam_team_member ON iam_team_member USING (true)`);
            await sql.unsafe("CREATE POLICY by_hand ON iam_team_member FOR SELECT TO beep_app USING (true)");
            await sql.unsafe("GRANT TRUNCATE ON iam_team_member TO beep_app");
            await sql.unsafe(`ALTER TABLE iam_team_member DROP CONSTRAINT "${key.name}"`);
          }),
        );

        const broken = yield* Effect.promise(() => cli(["diff"], env));
        assert.strictEqual(broken.code, 1, broken.stdout);
        const lines = broken.stdout.trim().split("\n");
        assert.lengthOf(lines, 5, broken.stdout);
        assert.match(
          lines[0] ?? "",
          /^policy\s+iam_team_member\s+by_hand\s+undeclared\s+PERMISSIVE FOR SELECT TO beep_app USING \(true\)$/,
        );
        const policy = lines[1] ?? "";
        assert.match(
          policy,
          /^policy\s+iam_team_member\s+tenant_isolation_iam_team_member\s+differs\s+USING is \(true\), declared \(/,
        );
        const foreignKey = lines.find((line) => line.startsWith("key")) ?? "";
        assert.match(foreignKey, new RegExp(`^key\\s+iam_team_member\\s+${key.name}\\s+missing\\s+`));
        // As PostgreSQL prints it, the referenced table schema-qualified: organization_id first on both sides.
        assert.include(foreignKey, key.definition.replace(" REFERENCES ", " REFERENCES public."));
        assert.match(key.definition, /^FOREIGN KEY \(organization_id, \w+\) REFERENCES \w+\(organization_id, id\)/);
        const grant = lines.find((line) => line.startsWith("grant")) ?? "";
        assert.match(grant, /^grant\s+iam_team_member\s+beep_app\s+differs\s+extra TRUNCATE \(declared [A-Z, ]+\)$/);
        assert.notInclude(grant.split("declared")[1] ?? "", "TRUNCATE");
        assert.match(
          lines.at(-1) ?? "",
          /^4 differences: \d+ policies \(2 differ\), \d+ keys \(1 differ\), \d+ grants \(1 differ\)$/,
        );
        assert.include(broken.stderr, "db:diff: 4 differences");
      }).pipe(Effect.scoped),
    180_000,
  );
});
