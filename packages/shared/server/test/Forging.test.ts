import { enter, enterTenant, enterWithTicket, MigratedDatabase } from "@beep/db-admin/testing";
import { document } from "@beep/documents-tables/schema";
import { ContextTicket, TenantContext } from "@beep/shared-tables";
import { Testkit } from "@beep/testkit";
import { assert, describe, it } from "@effect/vitest";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Context, Effect, Layer } from "effect";
import type postgres from "postgres";
import * as TenantQuery from "../src/TenantQuery.ts";
import * as TenantTx from "../src/TenantTx.ts";
import {
  attempt,
  literal,
  type Outcome,
  rawClient,
  seedEveryTable,
  show,
  tenantTableNames,
  twoOrganizations,
  whoAmI,
} from "./internal/Attack.ts";
import { runtime, runtimeOnCitus, withAdmin } from "./internal/layers.ts";
import { asOwner } from "./internal/Tenant.ts";

type Loose = any;

/** What every case starts from: A and B, a row of each in every tenant table, and B's rows as the superuser saw them. */
interface FixtureShape {
  readonly A: string;
  readonly ownerA: string;
  readonly B: string;
  readonly ownerB: string;
  readonly contextKey: string;
  readonly appUrl: string;
  readonly adminUrl: string;
  /** B's documents, by id. */
  readonly documentsB: ReadonlyArray<string>;
  readonly snapshotB: string;
}
class Fixture extends Context.Tag("test/Forging/Fixture")<Fixture, FixtureShape>() {}

/** Everything of B (and every user and organization), as the superuser sees it. */
const snapshotOf = (B: string) =>
  withAdmin(async (admin) => {
    const out: Record<string, unknown> = {};
    for (const table of tenantTableNames) {
      out[table] = await admin.unsafe(`select * from "${table}" where organization_id = $1 order by id`, [B]);
    }
    out.shared_organization = await admin`select * from shared_organization order by id`;
    out.shared_user = await admin`select * from shared_user order by id`;
    return JSON.stringify(out);
  });

const fixtureOn = (runtimeLayer: ReturnType<typeof runtime>) =>
  Layer.effect(
    Fixture,
    Effect.gen(function* () {
      const { contextKey, appUrl, adminUrl } = yield* MigratedDatabase;
      const { A, ownerA, B, ownerB } = yield* twoOrganizations;
      for (const organizationId of [A, B]) {
        yield* seedEveryTable(organizationId);
        yield* asOwner(organizationId)(
          TenantQuery.insert(document, [{ title: `${organizationId}-1` }, { title: `${organizationId}-2` }]),
        );
      }
      const counts = yield* withAdmin(async (admin) => {
        const out: Record<string, number> = {};
        for (const table of tenantTableNames) {
          const [row] = await admin.unsafe(`select count(*)::int as n from "${table}" where organization_id = $1`, [B]);
          out[table] = row?.n as number;
        }
        return out;
      });
      // Every table really holds a row of B: a count of 0 below means the attack saw nothing, not that there was nothing.
      for (const table of tenantTableNames) assert.isAtLeast(counts[table] ?? 0, 1, `B has a row in ${table}`);
      const documentsB = yield* withAdmin(
        (admin) => admin`select id from documents_document where organization_id = ${B} order by id`,
      );
      return {
        A,
        ownerA,
        B,
        ownerB,
        contextKey,
        appUrl,
        adminUrl,
        documentsB: documentsB.map((row) => row.id as string),
        snapshotB: yield* snapshotOf(B),
      };
    }),
  ).pipe(Layer.provideMerge(runtimeLayer), Layer.orDie);

const mock = drizzle.mock() as Loose;
const OTHER_KEY = "not-the-key-the-database-holds-0123456789abcdef";

/** Counts of 0, or a refusal for want of privilege: anything else is a problem, named. */
const noneOrDenied = (label: string, outcome: Outcome, problems: Array<string>) => {
  if (outcome.ok ? outcome.count !== 0 : outcome.code !== "42501") problems.push(`${label}: ${show(outcome)}`);
};

/**
 * Everything B has, tried from inside `tx`: reads of every tenant table and of B's organization and owner, an
 * insert for B, and updates and deletes of B's rows. Returns what got through; an empty list is the property.
 */
const probeB = async (tx: postgres.TransactionSql, f: FixtureShape): Promise<Array<string>> => {
  const problems: Array<string> = [];
  const context = await attempt(
    tx,
    "select beep.current_org_id() as org, beep.current_user_id() as usr, beep.current_role() as role",
  );
  const claims = context.ok ? context.rows[0] : undefined;
  // The role holds only with the organization it was signed with: with B's organization refused, none either.
  if (
    !context.ok ||
    claims?.org === f.B ||
    claims?.usr === f.ownerB ||
    (claims?.org === null && claims?.role !== null)
  ) {
    problems.push(`context: ${show(context)}`);
  }
  const reads: ReadonlyArray<readonly [string, string, string]> = [
    ...tenantTableNames.map(
      (table) => [table, `select count(*)::int as n from "${table}" where organization_id = $1`, f.B] as const,
    ),
    ["shared_organization", "select count(*)::int as n from shared_organization where id = $1", f.B],
    ["shared_user", "select count(*)::int as n from shared_user where id = $1", f.ownerB],
  ];
  for (const [table, statement, id] of reads) {
    const read = await attempt(tx, statement, [id]);
    if (!read.ok || read.rows[0]?.n !== 0) problems.push(`read ${table}: ${show(read)}`);
  }
  const insert = mock.insert(document).values({ title: "forged", organizationId: f.B }).toSQL();
  const inserted = await attempt(tx, insert.sql, insert.params);
  if (inserted.ok || inserted.code !== "42501") problems.push(`insert documents_document for B: ${show(inserted)}`);
  for (const table of tenantTableNames) {
    noneOrDenied(
      `update ${table}`,
      await attempt(tx, `update "${table}" set updated_at = now() where organization_id = $1`, [f.B]),
      problems,
    );
    noneOrDenied(
      `delete ${table}`,
      await attempt(tx, `delete from "${table}" where organization_id = $1`, [f.B]),
      problems,
    );
    // TRUNCATE ignores row-level security: the runtime role must not have it at all.
    const truncated = await attempt(tx, `truncate "${table}"`);
    if (truncated.ok || truncated.code !== "42501") problems.push(`truncate ${table}: ${show(truncated)}`);
  }
  for (const [table, id] of [
    ["shared_organization", f.B],
    ["shared_user", f.ownerB],
  ] as const) {
    noneOrDenied(
      `update ${table}`,
      await attempt(tx, `update ${table} set name = 'forged' where id = $1`, [id]),
      problems,
    );
    noneOrDenied(`delete ${table}`, await attempt(tx, `delete from ${table} where id = $1`, [id]), problems);
  }
  return problems;
};

/** What an attacker can make without the key. */
interface Forged {
  readonly f: FixtureShape;
  /** A's own ticket, as the runtime would have set it. */
  readonly ticketA: string;
  /** A ticket for B in the right format, with a MAC made with another key. */
  readonly wrongKey: string;
  /** A ticket for B with a MAC of zeros. */
  readonly zeroMac: string;
  /** A correctly signed ticket for B that expired a minute ago. */
  readonly expired: string;
  /** `beep.context` in hex, for `convert_from(decode(...))`. */
  readonly hexName: string;
  /** The superuser's name, from the admin URL. */
  readonly superuser: string;
}

interface Forgery {
  readonly name: string;
  readonly statement: (x: Forged) => readonly [string, ReadonlyArray<unknown>];
  /** Refused outright, with this SQLSTATE. */
  readonly refused?: string;
  /** The attempt runs and rewrites `beep.context` to this: the setting moved, the context did not. */
  readonly setting?: (x: Forged) => string;
}

const FORGERIES: ReadonlyArray<Forgery> = [
  {
    name: "set_config('beep.context', B's id)",
    statement: (x) => ["select set_config('beep.context', $1, true)", [x.f.B]],
    setting: (x) => x.f.B,
  },
  {
    name: "set_config with a ticket for B signed by another key",
    statement: (x) => ["select set_config('beep.context', $1, true)", [x.wrongKey]],
    setting: (x) => x.wrongKey,
  },
  {
    name: "set_config with a ticket for B whose MAC is all zeros",
    statement: (x) => ["select set_config('beep.context', $1, true)", [x.zeroMac]],
    setting: (x) => x.zeroMac,
  },
  {
    name: "set_config with the name built as 'beep.' || 'context'",
    statement: (x) => ["select set_config('beep.' || 'context', $1, true)", [x.wrongKey]],
    setting: (x) => x.wrongKey,
  },
  {
    name: "set_config with the name in other letter case ('BEEP.Context')",
    statement: (x) => ["select set_config('BEEP.Context', $1, true)", [x.wrongKey]],
    setting: (x) => x.wrongKey,
  },
  {
    name: "set_config with the name as U&'beep.\\0063ontext'",
    statement: (x) => ["select set_config(U&'beep.\\0063ontext', $1, true)", [x.wrongKey]],
    setting: (x) => x.wrongKey,
  },
  {
    name: "set_config with the name from convert_from(decode(hex))",
    statement: (x) => ["select set_config(convert_from(decode($1, 'hex'), 'UTF8'), $2, true)", [x.hexName, x.wrongKey]],
    setting: (x) => x.wrongKey,
  },
  {
    name: "SET LOCAL beep.context",
    statement: (x) => [`set local beep.context = ${literal(x.wrongKey)}`, []],
    setting: (x) => x.wrongKey,
  },
  {
    name: "SET beep.context (session level)",
    statement: (x) => [`set beep.context = ${literal(x.wrongKey)}`, []],
    setting: (x) => x.wrongKey,
  },
  {
    name: "DO block: EXECUTE format('select set_config(%L, %L, true)')",
    statement: (x) => [
      `do $do$ begin execute format('select set_config(%L, %L, true)', 'beep.' || 'context', ${literal(x.wrongKey)}); end $do$`,
      [],
    ],
    setting: (x) => x.wrongKey,
  },
  {
    name: "A's own ticket, read with current_setting and rewritten to B and B's owner (MAC now wrong)",
    statement: (x) => [
      "select set_config('beep.' || 'context', replace(replace(current_setting('beep.' || 'context'), $1, $2), $3, $4), true)",
      [x.f.A, x.f.B, x.f.ownerA, x.f.ownerB],
    ],
    setting: (x) => x.ticketA.replace(x.f.A, x.f.B).replace(x.f.ownerA, x.f.ownerB),
  },
  {
    name: "a correctly signed ticket for B that has expired",
    statement: (x) => ["select set_config('beep.context', $1, true)", [x.expired]],
    setting: (x) => x.expired,
  },
  {
    name: "the old app.current_org_id set to B",
    statement: (x) => ["select set_config('app.current_org_id', $1, true)", [x.f.B]],
  },
  {
    name: "beep.enter_tenant(B) as beep_app",
    statement: (x) => ["select beep.enter_tenant($1, $2, 'owner')", [x.f.B, x.f.ownerB]],
    refused: "42501",
  },
  {
    name: "reading beep_private.context_key",
    statement: () => ["select * from beep_private.context_key", []],
    refused: "42501",
  },
  {
    name: "SET ROLE beep_admin (BYPASSRLS)",
    statement: () => ["set role beep_admin", []],
    refused: "42501",
  },
  {
    name: "SET SESSION AUTHORIZATION the superuser",
    statement: (x) => [`set session authorization ${x.superuser}`, []],
    refused: "42501",
  },
  {
    name: "ALTER ROLE beep_app BYPASSRLS",
    statement: () => ["alter role current_user bypassrls", []],
    refused: "42501",
  },
  {
    name: "replacing beep.current_org_id() with one that answers B",
    statement: (x) => [
      `create or replace function beep.current_org_id() returns text language sql stable as $fn$ select ${literal(x.f.B)}::text $fn$`,
      [],
    ],
    refused: "42501",
  },
  {
    name: "a SECURITY DEFINER function of its own in public",
    statement: () => [
      "create function public.forge() returns text language sql security definer as $fn$ select 'x' $fn$",
      [],
    ],
    refused: "42501",
  },
];

const forged = (f: FixtureShape, ticketA: string): Forged => {
  // Every forged ticket claims the strongest role: what an attacker would ask for.
  const wrongKey = ContextTicket.signer(OTHER_KEY)({ organizationId: f.B, userId: f.ownerB, role: "owner" });
  return {
    f,
    ticketA,
    wrongKey,
    zeroMac: `${wrongKey.slice(0, -64)}${"0".repeat(64)}`,
    expired: ContextTicket.signer(f.contextKey)(
      { organizationId: f.B, userId: f.ownerB, role: "owner" },
      Date.now() - 120_000,
    ),
    hexName: Buffer.from("beep.context", "utf8").toString("hex"),
    superuser: decodeURIComponent(new URL(f.adminUrl).username),
  };
};

type Engine = "postgres" | "citus";

const suite = (runtimeLayer: ReturnType<typeof runtime>, engine: Engine) =>
  it.layer(fixtureOn(runtimeLayer))((it) => {
    it.effect("the attacks run as beep_app: not superuser, no BYPASSRLS", () =>
      Effect.gen(function* () {
        const f = yield* Fixture;
        const raw = yield* rawClient(f.appUrl);
        const who = yield* Effect.promise(() => whoAmI(raw));
        assert.deepStrictEqual(who, { role: "beep_app", super: false, bypass: false });
      }).pipe(Effect.scoped),
    );

    // Each forging attempt runs in a transaction that holds A's valid ticket (what injected SQL inside A's unit of
    // work would have); then, in the same transaction, every way to B's rows is tried, and the transaction commits.
    // Then the same again in a new transaction on the same connection with no ticket: what the attempt left behind.
    for (const forgery of FORGERIES) {
      it.effect(forgery.name, () =>
        Effect.gen(function* () {
          const f = yield* Fixture;
          const entry = enter(f.contextKey, f.A, f.ownerA, "owner");
          const x = forged(f, entry[1][1] ?? "");
          const raw = yield* rawClient(f.appUrl);
          const result = yield* Effect.promise(() =>
            raw.begin(async (tx) => {
              await enterWithTicket(tx, entry[1][1] ?? "");
              const who = await whoAmI(tx);
              const [statement, params] = forgery.statement(x);
              const outcome = await attempt(tx, statement, params);
              const [state] = await tx`select current_setting('beep.context', true) as setting,
                beep.current_org_id() as org, beep.current_role() as claimed, current_user as role`;
              return { who, outcome, state, problems: await probeB(tx, f) };
            }),
          );
          assert.strictEqual(result.who.role, "beep_app");
          if (forgery.refused !== undefined) {
            assert.isFalse(result.outcome.ok, `refused: ${show(result.outcome)}`);
            assert.strictEqual(result.outcome.ok ? "" : result.outcome.code, forgery.refused, show(result.outcome));
          } else {
            assert.isTrue(result.outcome.ok, `the attempt itself runs: ${show(result.outcome)}`);
          }
          // The attempt did reach the setting when it meant to: what stops it is the check, not a typo.
          assert.strictEqual(result.state?.setting, forgery.setting === undefined ? x.ticketA : forgery.setting(x));
          assert.strictEqual(result.state?.org, forgery.setting === undefined ? f.A : null);
          // Every forged ticket claims "owner": the role claim is refused with the rest of the ticket.
          assert.strictEqual(result.state?.claimed, forgery.setting === undefined ? "owner" : null);
          assert.strictEqual(result.state?.role, "beep_app");
          assert.deepStrictEqual(result.problems, []);

          const afterwards = yield* Effect.promise(() => raw.begin((tx) => probeB(tx, f)));
          assert.deepStrictEqual(afterwards, [], "a new transaction on the same connection");
        }).pipe(Effect.scoped),
      );
    }

    // The runtime refuses statements that name beep.context, but that filter is a convenience: a statement it
    // lets through (the name built at run time) gets no further than raw SQL does.
    it.effect("through the runtime, a context set under a name its filter misses reaches nothing of B", () =>
      Effect.gen(function* () {
        const f = yield* Fixture;
        const x = forged(f, "");
        const [state, documents] = yield* asOwner(
          f.A,
          f.ownerA,
        )(
          TenantTx.use(async (db) => [
            await db.execute(
              sql`select set_config('beep.' || 'context', ${x.wrongKey}, true) as setting, beep.current_org_id() as org`,
            ),
            await db.execute(sql`select count(*)::int as n from documents_document where organization_id = ${f.B}`),
          ]),
        );
        assert.deepStrictEqual(state?.[0], { setting: x.wrongKey, org: null });
        assert.strictEqual(documents?.[0]?.n, 0);
      }),
    );

    it.effect("control: a valid ticket for B, which only the key holder can sign, does reach B's rows", () =>
      Effect.gen(function* () {
        const f = yield* Fixture;
        const raw = yield* rawClient(f.appUrl);
        const problems = yield* Effect.promise(() =>
          raw
            .begin(async (tx) => {
              await enterTenant(tx, f.contextKey, f.B, f.ownerB, "owner");
              const found = await probeB(tx, f);
              throw Object.assign(new Error("rolled back"), { found });
            })
            .catch((error: { found?: Array<string> }) => error.found ?? []),
        );
        // The probe is able to fail: with B's real ticket it reports B's rows in every table.
        for (const table of tenantTableNames) {
          assert.isTrue(
            problems.some((problem) => problem.startsWith(`read ${table}:`)),
            `the probe sees B's row in ${table}`,
          );
        }
      }).pipe(Effect.scoped),
    );

    // No ticket, or one that is not a ticket at all: no organization, so no tenant rows anywhere and no writes.
    for (const [name, context] of [
      ["no ticket", undefined],
      ["a garbage ticket", "v1:garbage"],
    ] as const) {
      it.effect(`${name}: every tenant table reads 0 rows and an insert fails`, () =>
        Effect.gen(function* () {
          const f = yield* Fixture;
          const raw = yield* rawClient(f.appUrl);
          const result = yield* Effect.promise(() =>
            raw.begin(async (tx) => {
              if (context !== undefined) await tx`select set_config('beep.context', ${context}, true)`;
              const [state] = await tx`select beep.current_org_id() as org, beep.current_user_id() as usr`;
              const counts: Record<string, Outcome> = {};
              for (const table of tenantTableNames) {
                counts[table] = await attempt(
                  tx,
                  `select count(*)::int as n from "${table}" where organization_id is not null`,
                );
              }
              counts.shared_organization = await attempt(tx, "select count(*)::int as n from shared_organization");
              counts.shared_user = await attempt(tx, "select count(*)::int as n from shared_user");
              const forA = mock.insert(document).values({ title: "no-context", organizationId: f.A }).toSQL();
              const withoutOrg = mock.insert(document).values({ title: "no-context" }).toSQL();
              return {
                state,
                counts,
                insertForA: await attempt(tx, forA.sql, forA.params),
                insertWithoutOrg: await attempt(tx, withoutOrg.sql, withoutOrg.params),
              };
            }),
          );
          assert.deepStrictEqual(result.state, { org: null, usr: null });
          const seen = Object.entries(result.counts)
            .filter(([, outcome]) => !outcome.ok || outcome.rows[0]?.n !== 0)
            .map(([table, outcome]) => `${table}: ${show(outcome)}`);
          assert.deepStrictEqual(seen, []);
          assert.strictEqual(Object.keys(result.counts).length, tenantTableNames.length + 2);
          for (const outcome of [result.insertForA, result.insertWithoutOrg]) {
            assert.isFalse(outcome.ok, show(outcome));
            // RLS (42501) or the organization's NOT NULL (23502), on Citus its distribution column (22004): refused
            // for want of a tenant either way.
            const refusals = engine === "citus" ? ["42501", "23502", "22004"] : ["42501", "23502"];
            assert.include(refusals, outcome.ok ? "" : outcome.code, show(outcome));
          }
        }).pipe(Effect.scoped),
      );
    }

    // beep.enter_tenant is for privileged sessions: the superuser enters B, then drops to beep_app.
    it.effect("a superuser's beep.enter_tenant(B) then SET LOCAL ROLE beep_app sees exactly B's rows", () =>
      Effect.gen(function* () {
        const f = yield* Fixture;
        const admin = yield* rawClient(f.adminUrl);
        const entered = yield* Effect.promise(() =>
          admin.begin(async (tx) => {
            await tx`select beep.enter_tenant(${f.B}, null, 'owner')`;
            if (engine === "citus") {
              // docs/scale-out.md's support path: the ticket enter_tenant set, sent again so the workers see it.
              const [ticket] = await tx`select current_setting('beep.context') as value`;
              await tx.unsafe(TenantContext.CITUS_PROPAGATE_SQL);
              await tx.unsafe(TenantContext.citusContextSql(String(ticket?.value)) ?? "select 'unsafe ticket'");
            }
            await tx`set local role beep_app`;
            const who = await whoAmI(tx);
            const [state] = await tx`select beep.current_org_id() as org`;
            const documents = await tx`select id, organization_id from documents_document order by id`;
            const foreign: Record<string, number> = {};
            for (const table of tenantTableNames) {
              const [row] = await tx.unsafe(
                `select count(*)::int as n from "${table}" where organization_id is distinct from $1 and organization_id is not null`,
                [f.B],
              );
              foreign[table] = row?.n as number;
            }
            return { who, state, documents, foreign };
          }),
        );
        assert.deepStrictEqual(entered.who, { role: "beep_app", super: false, bypass: false });
        assert.strictEqual(entered.state?.org, f.B);
        assert.deepStrictEqual(
          entered.documents.map((row) => row.id),
          [...f.documentsB],
        );
        assert.isTrue(entered.documents.every((row) => row.organization_id === f.B));
        assert.isAtLeast(entered.documents.length, 3);
        assert.deepStrictEqual(
          Object.values(entered.foreign).filter((n) => n !== 0),
          [],
          JSON.stringify(entered.foreign),
        );

        const plain = yield* Effect.promise(() =>
          admin.begin(async (tx) => {
            await tx`set local role beep_app`;
            const who = await whoAmI(tx);
            const visible: Record<string, number> = {};
            for (const table of tenantTableNames) {
              const [row] = await tx.unsafe(
                `select count(*)::int as n from "${table}" where organization_id is not null`,
              );
              visible[table] = row?.n as number;
            }
            return { who, visible };
          }),
        );
        assert.strictEqual(plain.who.role, "beep_app");
        assert.deepStrictEqual(
          Object.entries(plain.visible).filter(([, n]) => n !== 0),
          [],
        );
        assert.strictEqual(Object.keys(plain.visible).length, tenantTableNames.length);
      }).pipe(Effect.scoped),
    );

    // Statistics are the one copy of table contents that RLS policies do not filter: pg_stats must hide them.
    // On Citus the statistics are the shards', on the workers: the coordinator's tables have none to show.
    if (engine === "postgres")
      it.effect("the statistics of tenant tables (pg_stats) show beep_app nothing", () =>
        Effect.gen(function* () {
          const f = yield* Fixture;
          const tables = [...tenantTableNames];
          const analyzed = yield* withAdmin(async (admin) => {
            await admin.unsafe(`analyze ${tables.map((table) => `"${table}"`).join(", ")}`);
            const [row] = await admin`select count(*)::int as n from pg_stats
            where schemaname = 'public' and tablename in ${admin(tables)}`;
            return row?.n as number;
          });
          assert.isAbove(analyzed, 0, "the superuser sees statistics");
          const raw = yield* rawClient(f.appUrl);
          const seen = yield* Effect.promise(() =>
            raw.begin(async (tx) => {
              await enterTenant(tx, f.contextKey, f.A, f.ownerA, "owner");
              return [
                ...(await tx`select tablename, attname from pg_stats
                where schemaname = 'public' and tablename in ${tx(tables)}`),
              ];
            }),
          );
          assert.deepStrictEqual(seen, []);
        }).pipe(Effect.scoped),
      );

    it.effect("after every attempt, B's rows are exactly as seeded", () =>
      Effect.gen(function* () {
        const f = yield* Fixture;
        assert.strictEqual(yield* snapshotOf(f.B), f.snapshotB);
      }),
    );
  });

describe("SQL that runs as beep_app cannot become another tenant", () => suite(runtime(), "postgres"));

Testkit.describeWithCitus("SQL that runs as beep_app cannot become another tenant, on a Citus cluster", (citus) =>
  suite(runtimeOnCitus(citus), "citus"),
);
