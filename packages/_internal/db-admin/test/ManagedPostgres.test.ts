import { IamEntityIds } from "@beep/iam-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { EmbeddedPostgres } from "@beep/testkit";
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest";
import { Effect, Option, Redacted } from "effect";
import { AuditEvent, ContextKey, DrizzleKit, Migrator, SharedRows, Upgrade, Verify } from "../src/index.ts";
import { asTenant, cli, failureOf, migrationsUpTo, namesAfter, query, tagBefore } from "./support.ts";

/**
 * db:migrate as the owner of a database on a server where the migrator is no superuser, the way managed
 * PostgreSQL hands out accounts: FORCE ROW LEVEL SECURITY applies to it. Roles are cluster-wide, so this runs on a
 * server of its own: the roles it creates and the passwords it sets trouble no other test.
 */

const TAGS = DrizzleKit.journal(DrizzleKit.MIGRATIONS_DIR).map((entry) => entry.tag);
const APP_PASSWORD = "an-app-password-from-the-operator";
const lines = (text: string) => text.trim().split("\n");
/** The context key the first test migrates `app` with. */
let appKey = "";

let server: EmbeddedPostgres.EmbeddedServer;
const urlAs = (user: string, password: string, database: string) => {
  const url = new URL(server.adminUrl);
  url.username = user;
  url.password = password;
  url.pathname = `/${database}`;
  return url.toString();
};
const superuser = <A>(f: Parameters<typeof query<A>>[1], database = "postgres") =>
  query(urlAs("postgres", "postgres", database), f);

const rolesNamed = (names: ReadonlyArray<string>) =>
  superuser(async (sql) =>
    (await sql`select rolname from pg_roles where rolname = any(${names}) order by rolname`).map((row) => row.rolname),
  );
const tablesIn = (database: string) =>
  superuser(
    async (sql) =>
      (
        await sql`select count(*)::int as n from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`
      )[0]?.n,
    database,
  );
/** The statements the refusal asks an operator to run. */
const operatorStatements = (line: string) => /have an operator run (.*) then run db:migrate again$/.exec(line)?.[1];

const monthStart = (monthsAhead: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + monthsAhead, 1));
};

beforeAll(async () => {
  server = await EmbeddedPostgres.startEmbedded({ persistent: false });
  await superuser(async (sql) => {
    // The managed provider's account: owns its database, may create databases and (non-BYPASSRLS) roles.
    await sql.unsafe(`CREATE ROLE owner LOGIN PASSWORD 'owner' NOSUPERUSER CREATEDB CREATEROLE`);
    // A plainer account: owns its database, may create no role.
    await sql.unsafe(`CREATE ROLE plain_owner LOGIN PASSWORD 'plain' NOSUPERUSER NOCREATEROLE`);
    await sql.unsafe(`CREATE DATABASE app OWNER owner`);
    await sql.unsafe(`CREATE DATABASE plain OWNER plain_owner`);
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe.sequential("db:migrate as a database owner that is not a superuser", () => {
  it("without CREATEROLE: refuses in one line naming both roles' statements, and changes nothing", async () => {
    const run = await cli(["migrate"], {
      DATABASE_URL: urlAs("plain_owner", "plain", "plain"),
      BEEP_CONTEXT_KEY: ContextKey.generate(),
    });
    assert.strictEqual(run.code, 1, run.stdout);
    assert.lengthOf(lines(run.stderr), 1, run.stderr);
    assert.strictEqual(
      lines(run.stderr)[0],
      `"plain_owner" may not create or change the roles beep_app, beep_admin (nothing was changed): have an operator run CREATE ROLE "beep_app" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; CREATE ROLE "beep_admin" NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE; then run db:migrate again`,
    );
    assert.deepStrictEqual(await rolesNamed(["beep_admin", "beep_app"]), []);
    assert.strictEqual(await tablesIn("plain"), 0);
  });

  it("with CREATEROLE: only beep_admin (BYPASSRLS) needs an operator; after they run the statement, migrate succeeds and sets beep_app's password", async () => {
    const env = {
      DATABASE_URL: urlAs("owner", "owner", "app"),
      BEEP_CONTEXT_KEY: ContextKey.generate(),
      BEEP_APP_PASSWORD: APP_PASSWORD,
    };
    appKey = env.BEEP_CONTEXT_KEY;
    const refused = await cli(["migrate"], env);
    assert.strictEqual(refused.code, 1, refused.stdout);
    const line = lines(refused.stderr)[0] ?? "";
    assert.match(line, /^"owner" may not create or change the roles beep_admin \(nothing was changed\)/);
    assert.deepStrictEqual(await rolesNamed(["beep_admin", "beep_app"]), []);
    assert.strictEqual(await tablesIn("app"), 0);

    // The operator runs what the line says, as written.
    const statements = operatorStatements(line);
    assert.isDefined(statements, line);
    await superuser((sql) => sql.unsafe(statements ?? ""));

    const first = await cli(["migrate"], env);
    assert.strictEqual(first.code, 0, first.stderr);
    assert.deepStrictEqual(lines(first.stdout), [
      ...TAGS.map((tag) => `applied ${tag}`),
      "installed the context key (BEEP_CONTEXT_KEY)",
      "set beep_app's password (BEEP_APP_PASSWORD)",
    ]);
    // The owner created beep_app; the password reached the server as a SCRAM verifier only, and it logs in.
    const [stored] = await superuser((sql) => sql`select rolpassword from pg_authid where rolname = 'beep_app'`);
    assert.match(String(stored?.rolpassword), /^SCRAM-SHA-256\$4096:/);
    const [me] = await query(urlAs("beep_app", APP_PASSWORD, "app"), (sql) => sql`select current_user as name`);
    assert.strictEqual(me?.name, "beep_app");

    const again = await cli(["migrate"], env);
    assert.strictEqual(again.code, 0, again.stderr);
    assert.deepStrictEqual(lines(again.stdout), [
      `nothing to migrate: all ${TAGS.length} migrations were already applied`,
      "beep_app already logs in with BEEP_APP_PASSWORD: left as it is",
    ]);
    const verify = await cli(["verify"], { DATABASE_URL: env.DATABASE_URL });
    assert.strictEqual(verify.code, 0, verify.stdout + verify.stderr);
  });

  it("beep.assume_role(), owned by an owner that is no superuser, reads a membership under FORCE RLS", async () => {
    const organizationId = SharedEntityIds.OrganizationId.create();
    const [member, stranger] = [SharedEntityIds.UserId.create(), SharedEntityIds.UserId.create()];
    await superuser(async (sql) => {
      await sql`insert into shared_organization (id, name) values (${organizationId}, 'Managed')`;
      await sql`insert into shared_user (id, email, name) values (${member}, 'm@example.com', 'm'), (${stranger}, 's@example.com', 's')`;
      await sql`insert into iam_member (id, organization_id, user_id, role)
        values (${IamEntityIds.MemberId.create()}, ${organizationId}, ${member}, 'admin')`;
    }, "app");
    const [owner] = await superuser(
      (sql) =>
        sql`select pg_get_userbyid(proowner) as name from pg_proc where oid = 'beep.assume_role()'::regprocedure`,
      "app",
    );
    assert.strictEqual(owner?.name, "owner");
    const sign = ContextTicket.signer(appKey);
    const assumeAs = (userId: string) =>
      query(urlAs("beep_app", APP_PASSWORD, "app"), (sql) =>
        sql.begin(async (tx) => {
          await tx.unsafe("select set_config($1, $2, true)", [TenantContext.SETTING, sign({ organizationId, userId })]);
          const [row] = await tx.unsafe(TenantContext.ASSUME_ROLE_SQL);
          const [after] = await tx`select beep.current_role() as role`;
          return [row?.role, after?.role];
        }),
      ).catch((error: { code?: string }) => error.code);
    assert.deepStrictEqual(await assumeAs(member), ["admin", "admin"]);
    assert.strictEqual(await assumeAs(stranger), TenantContext.NO_ROLE_SQLSTATE);
  });

  it("without CREATEROLE, once the roles exist: migrates, but may not set beep_app's password", async () => {
    const env = { DATABASE_URL: urlAs("plain_owner", "plain", "plain"), BEEP_CONTEXT_KEY: ContextKey.generate() };
    const withPassword = await cli(["migrate"], { ...env, BEEP_APP_PASSWORD: "another-password" });
    assert.strictEqual(withPassword.code, 1, withPassword.stdout);
    assert.match(
      lines(withPassword.stderr)[0] ?? "",
      /^"plain_owner" may not create or change the roles beep_app \(nothing was changed\): have an operator run ALTER ROLE "beep_app" PASSWORD '<its password>'; \(or unset BEEP_APP_PASSWORD and set it yourself\) then run db:migrate again$/,
    );
    assert.strictEqual(await tablesIn("plain"), 0);
    const run = await cli(["migrate"], env);
    assert.strictEqual(run.code, 0, run.stderr);
    assert.include(lines(run.stdout), "installed the context key (BEEP_CONTEXT_KEY)");
    // The first database's password still works: nothing here touched it.
    await query(urlAs("beep_app", APP_PASSWORD, "plain"), (sql) => sql`select 1`);
    const verify = await cli(["verify"], { DATABASE_URL: env.DATABASE_URL });
    assert.strictEqual(verify.code, 0, verify.stdout + verify.stderr);
  });

  it("as the owner, moves a month's rows out of the default partition into the partition it creates, and FORCE stays", async () => {
    const ownerUrl = urlAs("owner", "owner", "app");
    const superUrl = urlAs("postgres", "postgres", "app");
    const [org, other] = [SharedEntityIds.OrganizationId.create(), SharedEntityIds.OrganizationId.create()];
    const inFourMonths = monthStart(4);
    // Events that landed in the default partition while no db:migrate ran: two in four months, one much later.
    await query(superUrl, async (sql) => {
      for (const id of [org, other]) await sql`insert into shared_organization (id, name) values (${id}, 'org')`;
      for (const [organization, occurredAt] of [
        [org, inFourMonths],
        [other, inFourMonths],
        [org, monthStart(30)],
      ] as const) {
        await sql`insert into shared_audit_event (id, organization_id, action, occurred_at)
          values (${SharedEntityIds.AuditEventId.create()}, ${organization}, 'waiting', ${occurredAt})`;
      }
    });
    const [role] = await query(
      ownerUrl,
      (sql) => sql`select rolsuper, rolbypassrls from pg_roles where rolname = current_user`,
    );
    assert.deepStrictEqual({ ...role }, { rolsuper: false, rolbypassrls: false });
    const [seenByOwner] = await query(
      ownerUrl,
      (sql) => sql`select count(*)::int as n from ${sql(AuditEvent.DEFAULT_PARTITION)}`,
    );
    assert.strictEqual(seenByOwner?.n, 0, "FORCE applies to the owner: without a tenant it sees no rows");

    const triggersOnOrganization = () =>
      query(
        superUrl,
        (sql) => sql`select count(*)::int as n from pg_trigger where tgrelid = 'shared_organization'::regclass`,
      ).then(([row]) => row?.n);
    const triggersBefore = await triggersOnOrganization();

    const created = await Effect.runPromise(AuditEvent.ensurePartitions(ownerUrl, 4));
    const target = AuditEvent.partitionName(inFourMonths);
    assert.deepStrictEqual(created, [AuditEvent.partitionName(monthStart(3)), target]);
    const [counts] = await query(
      superUrl,
      (sql) => sql`select (select count(*)::int from ${sql(target)}) as moved,
        (select count(*)::int from ${sql(AuditEvent.DEFAULT_PARTITION)}) as left`,
    );
    assert.deepStrictEqual({ ...counts }, { moved: 2, left: 1 });
    const forced = await query(
      superUrl,
      (sql) => sql`select relname::text as name, relforcerowsecurity as forced from pg_class
        where relname = any(${[AuditEvent.DEFAULT_PARTITION, target]}) order by 1`,
    );
    assert.deepStrictEqual(
      forced.map((row) => ({ ...row })),
      [AuditEvent.DEFAULT_PARTITION, target].sort().map((name) => ({ name, forced: true })),
    );
    // The foreign key added before the move is the parent's, adopted at the attach: as on a partition made without rows.
    const constraintsOf = (partition: string) =>
      query(
        superUrl,
        (sql) => sql`select conname::text as name, pg_get_constraintdef(oid) as def, conparentid <> 0 as inherited,
          convalidated as valid from pg_constraint where conrelid = ${partition}::regclass and contype = 'f' order by 1`,
      ).then((rows) => rows.map((row) => ({ ...row })));
    assert.deepStrictEqual(await constraintsOf(target), await constraintsOf(AuditEvent.partitionName(monthStart(0))));
    assert.strictEqual(await triggersOnOrganization(), triggersBefore);
    const report = await Effect.runPromise(Verify.verify(superUrl));
    assert.deepStrictEqual(
      report.subjects.filter((subject) => subject.status !== "ok"),
      [],
    );
  });

  it("as the owner, upgrades a database whose shared rows have no organization: the shared organization's now, read by every tenant, FORCE stays", async () => {
    await superuser((sql) => sql.unsafe("CREATE DATABASE shared_rows OWNER owner"));
    const ownerUrl = urlAs("owner", "owner", "shared_rows");
    const superUrl = urlAs("postgres", "postgres", "shared_rows");
    const before = migrationsUpTo(tagBefore("shared_rows"));
    try {
      await Effect.runPromise(Migrator.migrate({ url: ownerUrl, migrationsDir: before.dir }));
    } finally {
      before.remove();
    }
    const [orgA, orgB] = [SharedEntityIds.OrganizationId.create(), SharedEntityIds.OrganizationId.create()];
    const sharedProvider = IamEntityIds.SsoProviderId.create();
    // Rows of the old design: a shared provider with no organization, and one of each tenant's own.
    await query(superUrl, async (sql) => {
      for (const org of [orgA, orgB]) await sql`insert into shared_organization (id, name) values (${org}, 'org')`;
      await sql`insert into iam_sso_provider (id, organization_id, domain, issuer) values
        (${sharedProvider}, null, 'shared.example', 'https://idp.example'),
        (${IamEntityIds.SsoProviderId.create()}, ${orgA}, 'a.example', 'https://a.example'),
        (${IamEntityIds.SsoProviderId.create()}, ${orgB}, 'b.example', 'https://b.example')`;
    });

    const key = ContextKey.generate();
    const result = await Effect.runPromise(Upgrade.run({ url: ownerUrl, contextKey: Option.some(Redacted.make(key)) }));
    assert.deepStrictEqual(
      result.applied.map((tag) => tag.replace(/^\d+_/, "")),
      namesAfter(tagBefore("shared_rows")),
    );
    const shape = await query(superUrl, async (sql) => ({
      rows: (await sql`select id, organization_id from iam_sso_provider where domain = 'shared.example'`).map(
        (row) => ({ ...row }),
      ),
      organization: (
        await sql`select name from shared_organization where id = ${TenantContext.SHARED_ORGANIZATION_ID}`
      ).map((row) => row.name),
      forced: (
        await sql`select relname::text as name from pg_class
          where relname = any(${[SharedRows.ORGANIZATION_TABLE, ...SharedRows.nullableTables()]}) and relforcerowsecurity
          order by 1`
      ).map((row) => row.name),
      key: (
        await sql`select pg_get_constraintdef(oid) as def from pg_constraint
          where conrelid = 'iam_sso_provider'::regclass and contype = 'p'`
      ).map((row) => row.def),
    }));
    assert.deepStrictEqual(shape, {
      rows: [{ id: sharedProvider, organization_id: TenantContext.SHARED_ORGANIZATION_ID }],
      organization: [SharedRows.ORGANIZATION_NAME],
      forced: ["iam_sso_provider", "shared_organization"],
      key: ["PRIMARY KEY (organization_id, id)"],
    });

    // As the runtime role (its password is the one set above): every tenant reads the shared row, none writes it.
    const appUrl = urlAs("beep_app", APP_PASSWORD, "shared_rows");
    for (const [org, own] of [
      [orgA, "a.example"],
      [orgB, "b.example"],
    ] as const) {
      const seen = await query(appUrl, (sql) =>
        asTenant(sql, key, org, async (tx) => ({
          domains: (await tx`select domain from iam_sso_provider order by domain`).map((row) => row.domain),
          updated: (await tx`update iam_sso_provider set issuer = 'x' where id = ${sharedProvider}`).count,
          deleted: (await tx`delete from iam_sso_provider where id = ${sharedProvider}`).count,
        })),
      );
      assert.deepStrictEqual(seen, { domains: [own, "shared.example"], updated: 0, deleted: 0 });
      const inserted = await failureOf(
        query(appUrl, (sql) =>
          asTenant(
            sql,
            key,
            org,
            (tx) => tx`insert into iam_sso_provider (id, organization_id, domain, issuer)
              values (${IamEntityIds.SsoProviderId.create()}, ${TenantContext.SHARED_ORGANIZATION_ID}, 'new.example', 'x')`,
          ),
        ),
      );
      assert.strictEqual(inserted?.code, "42501", inserted?.message);
    }
    const report = await Effect.runPromise(Verify.verify(superUrl));
    assert.deepStrictEqual(
      report.subjects.filter((subject) => subject.status !== "ok"),
      [],
    );
  });
});
