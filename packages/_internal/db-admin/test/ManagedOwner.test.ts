// On managed PostgreSQL the migrator owns the database and its tables but is no superuser and has no BYPASSRLS:
// FORCE ROW LEVEL SECURITY applies to it. Roles are cluster-wide, so this runs on a PostgreSQL of the test's own.
import { SharedEntityIds } from "@beep/shared-domain";
import { EmbeddedPostgres } from "@beep/testkit";
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest";
import { Effect, Option, Redacted } from "effect";
import { AuditEvent, ContextKey, Migrator, Verify } from "../src/index.ts";
import { query } from "./support.ts";

const OWNER = "managed_owner";
const PASSWORD = "managed-owner-password";
const DATABASE = "managed";

let server: EmbeddedPostgres.EmbeddedServer | undefined;
let superUrl = "";
let ownerUrl = "";

beforeAll(async () => {
  server = await EmbeddedPostgres.startEmbedded({ persistent: false });
  await query(server.adminUrl, async (sql) => {
    await sql.unsafe(`CREATE ROLE ${OWNER} LOGIN PASSWORD '${PASSWORD}' CREATEDB CREATEROLE`);
    // A CREATEROLE owner cannot create a BYPASSRLS role: the provider's administrator does.
    await sql.unsafe("CREATE ROLE beep_admin NOLOGIN BYPASSRLS");
    await sql.unsafe(`CREATE DATABASE ${DATABASE} OWNER ${OWNER}`);
  });
  superUrl = EmbeddedPostgres.adminUrlFor(server.port, DATABASE);
  ownerUrl = `postgres://${OWNER}:${PASSWORD}@127.0.0.1:${server.port}/${DATABASE}`;
  await Effect.runPromise(Migrator.migrate({ url: ownerUrl }));
  await Effect.runPromise(ContextKey.install(ownerUrl, Option.some(Redacted.make(ContextKey.generate()))));
});

afterAll(async () => {
  await server?.stop();
});

const monthStart = (monthsAhead: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + monthsAhead, 1));
};

describe("a migrator that owns the tables but is no superuser", () => {
  it("moves a month's rows out of the default partition into the partition it creates, and FORCE stays", async () => {
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
});
