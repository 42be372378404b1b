// Shared rows of `nullable` tables belong to the shared organization, not to NULL: the code migration that moves them,
// and a Citus cluster upgraded across it (a distribution column cannot hold NULL).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { IamEntityIds } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { afterAll, assert, describe, it } from "@effect/vitest";
import { Effect, Option, Redacted } from "effect";
import {
  AppRole,
  Cluster,
  ContextKey,
  Distribution,
  DrizzleKit,
  Generate,
  Migrator,
  Registry,
  ShardPolicies,
  SharedRows,
  Upgrade,
} from "../src/index.ts";
import { failureOf, migrationsUpTo, namesAfter, query, tagBefore } from "./support.ts";

const SHARED = TenantContext.SHARED_ORGANIZATION_ID;

describe("SharedRows.migrationStatements", () => {
  it("moves every nullable table of the registry, with FORCE lifted on the tables it touches and put back; the committed migration is what it renders", () => {
    const nullable = Registry.tenantTables
      .filter((entry) => entry.metadata.rlsPolicy === "nullable")
      .map((entry) => entry.metadata.tableName);
    assert.deepStrictEqual(SharedRows.nullableTables(), nullable);
    assert.include(nullable, "iam_sso_provider");
    const statements = SharedRows.migrationStatements(["t_one", "t_two"]);
    const lifted = ["shared_organization", "t_one", "t_two"];
    assert.deepStrictEqual(
      statements.slice(0, 3),
      lifted.map((table) => `ALTER TABLE "${table}" NO FORCE ROW LEVEL SECURITY;`),
    );
    assert.deepStrictEqual(
      statements.slice(-3),
      lifted.map((table) => `ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY;`),
    );
    assert.include(statements[3], `VALUES ('${SHARED}', 'Shared rows') ON CONFLICT ("id") DO NOTHING;`);
    for (const table of ["t_one", "t_two"]) {
      assert.isTrue(
        statements.some((statement) =>
          statement.includes(`UPDATE "${table}" SET "organization_id" = '${SHARED}' WHERE "organization_id" IS NULL;`),
        ),
        table,
      );
    }

    const migration = Generate.CODE_MIGRATIONS.find((candidate) => candidate.name === "shared_rows");
    assert.strictEqual(migration?.phase, "before");
    const tag = DrizzleKit.journal(DrizzleKit.MIGRATIONS_DIR).find((entry) => entry.tag.endsWith("_shared_rows"))?.tag;
    assert.isDefined(tag);
    assert.strictEqual(
      readFileSync(join(DrizzleKit.MIGRATIONS_DIR, `${tag}.sql`), "utf8"),
      Generate.render(migration?.header ?? "", migration?.statements() ?? []),
    );
  });
});

Testkit.describeWithCitus("shared rows on a Citus cluster", (citus) => {
  const key = ContextKey.generate();
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** A cluster database migrated with the migrations this change found, and two organizations. */
  const oldDatabase = async (prefix: string) => {
    const database = await citus.createDatabase(prefix);
    cleanups.push(database.drop);
    const before = migrationsUpTo(tagBefore("shared_rows"));
    try {
      await Effect.runPromise(Migrator.migrate({ url: database.url, migrationsDir: before.dir }));
    } finally {
      before.remove();
    }
    const orgs = [SharedEntityIds.OrganizationId.create(), SharedEntityIds.OrganizationId.create()] as const;
    await query(database.url, async (sql) => {
      for (const org of orgs) await sql`insert into shared_organization (id, name) values (${org}, 'org')`;
    });
    return { database, orgs };
  };

  const ownProviders = (url: string, orgs: ReadonlyArray<string>) =>
    query(url, async (sql) => {
      for (const [index, org] of orgs.entries()) {
        await sql`insert into iam_sso_provider (id, organization_id, domain, issuer)
          values (${IamEntityIds.SsoProviderId.create()}, ${org}, ${`own-${index}.example`}, 'https://own.example')`;
      }
    });

  /**
   * As the app's role through the coordinator, with the context as the runtime sends it on Citus, as the
   * organization's owner (the strongest role: no role of a tenant may change the shared rows).
   */
  const asTenant = <A>(
    appUrl: string,
    org: string,
    work: (tx: Parameters<Parameters<typeof query>[1]>[0]) => Promise<A>,
  ) =>
    query(
      appUrl,
      (sql) =>
        sql.begin(async (tx) => {
          await tx.unsafe("SET LOCAL citus.propagate_set_commands TO 'local'");
          await tx.unsafe(
            `SET LOCAL ${TenantContext.SETTING} TO '${ContextTicket.signer(key)({ organizationId: org, role: "owner" })}'`,
          );
          return work(tx as never);
        }) as Promise<A>,
    );

  /** Every tenant reads the shared row beside its own and can neither change nor add a shared row. */
  const checkTenants = async (
    database: { url: string; name: string },
    orgs: ReadonlyArray<string>,
    sharedId: string,
  ) => {
    const login = await Effect.runPromise(AppRole.databaseLogin(database.url, database.name));
    try {
      for (const [index, org] of orgs.entries()) {
        const seen = await asTenant(login.url, org, async (tx) => ({
          domains: (await tx`select domain from iam_sso_provider order by domain`).map((row) => row.domain),
          updated: (await tx`update iam_sso_provider set issuer = 'x' where organization_id = ${SHARED}`).count,
          deleted: (await tx`delete from iam_sso_provider where id = ${sharedId}`).count,
        }));
        assert.deepStrictEqual(seen, { domains: [`own-${index}.example`, "shared.example"], updated: 0, deleted: 0 });
        const inserted = await failureOf(
          asTenant(
            login.url,
            org,
            (tx) => tx`insert into iam_sso_provider (id, organization_id, domain, issuer)
              values (${IamEntityIds.SsoProviderId.create()}, ${SHARED}, 'new.example', 'x')`,
          ),
        );
        assert.include(inserted?.message ?? "(no error)", "row-level security");
      }
    } finally {
      await Effect.runPromise(login.drop);
    }
    assert.deepStrictEqual(await Effect.runPromise(ShardPolicies.differences(database.url)), []);
  };

  const placementOf = (url: string, table: string) =>
    query(
      url,
      (sql) => sql`select column_to_column_name(logicalrelid, partkey) as column,
        colocationid = (select colocationid from pg_dist_partition where logicalrelid = ${Distribution.ROOT}::regclass) as colocated
        from pg_dist_partition where logicalrelid = ${table}::regclass`,
    ).then((rows) => rows.map((row) => ({ ...row })));

  it("NULL shared rows kept the cluster from distributing; db:migrate moves them to the shared organization and distributes every table", async () => {
    const { database, orgs } = await oldDatabase("shared_rows_null");
    const sharedId = IamEntityIds.SsoProviderId.create();
    await query(
      database.url,
      (sql) => sql`insert into iam_sso_provider (id, organization_id, domain, issuer)
        values (${sharedId}, null, 'shared.example', 'https://idp.example')`,
    );
    await ownProviders(database.url, orgs);
    const refused = await Effect.runPromise(Effect.flip(Cluster.settle(database.url, { shardCount: 4 })));
    assert.strictEqual(refused._tag, "DistributionFailed");
    assert.include(refused.message, "iam_sso_provider");

    const result = await Effect.runPromise(
      Upgrade.run({ url: database.url, contextKey: Option.some(Redacted.make(key)), shardCount: 4 }),
    );
    assert.deepStrictEqual(
      result.applied.map((tag) => tag.replace(/^\d+_/, "")),
      namesAfter(tagBefore("shared_rows")),
    );
    assert.deepStrictEqual(await placementOf(database.url, "iam_sso_provider"), [
      { column: "organization_id", colocated: true },
    ]);
    const [row] = await query(
      database.url,
      (sql) => sql`select organization_id from iam_sso_provider where id = ${sharedId}`,
    );
    assert.strictEqual(row?.organization_id, SHARED);
    await checkTenants(database, orgs, sharedId);
  });

  it("a cluster distributed before the change (no shared rows yet) upgrades in place, and shared rows then work on it", async () => {
    const { database, orgs } = await oldDatabase("shared_rows_distributed");
    await Effect.runPromise(ContextKey.install(database.url, Option.some(Redacted.make(key))));
    await Effect.runPromise(Cluster.settle(database.url, { shardCount: 4 }));
    assert.deepStrictEqual(await placementOf(database.url, "iam_sso_provider"), [
      { column: "organization_id", colocated: true },
    ]);
    await ownProviders(database.url, orgs);

    const result = await Effect.runPromise(Migrator.migrate({ url: database.url }));
    assert.deepStrictEqual(
      result.applied.map((tag) => tag.replace(/^\d+_/, "")),
      namesAfter(tagBefore("shared_rows")),
    );
    // FORCE, lifted on the distributed tables for the move, is back on every shard before anything repairs it.
    const differences = await Effect.runPromise(ShardPolicies.differences(database.url));
    assert.deepStrictEqual(
      differences.filter((difference) => difference.detail.includes("FORCE")),
      [],
    );
    await Effect.runPromise(Cluster.settle(database.url));
    // An administrator adds a shared row: the shared organization's, which exists on the cluster too.
    const sharedId = IamEntityIds.SsoProviderId.create();
    await query(
      database.url,
      (sql) => sql`insert into iam_sso_provider (id, organization_id, domain, issuer)
        values (${sharedId}, ${SHARED}, 'shared.example', 'https://idp.example')`,
    );
    await checkTenants(database, orgs, sharedId);
  });
});
