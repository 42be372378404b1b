import { ContextKey } from "@beep/db-admin";
import { MigratedDatabase, layer as migratedLayer } from "@beep/db-admin/testing";
import { DocumentsEntityIds } from "@beep/documents-tables";
import { SharedEntityIds } from "@beep/shared-domain";
import { ContextTicket } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import { Context, Effect, Layer } from "effect";
import postgres from "postgres";
import * as BypassRole from "../src/BypassRole.ts";
import * as Dataset from "../src/Dataset.ts";
import { ContextRejected, inTenantTransaction, type Signer } from "../src/internal/tenantTransaction.ts";
import * as Plans from "../src/Plans.ts";
import * as Queries from "../src/Queries.ts";
import * as TenantRuntime from "../src/TenantRuntime.ts";

// Enough rows per organization that the planner prefers indexes; the load ends with VACUUM ANALYZE.
const SIZE: Dataset.Size = { organizations: 20, documents: 20_000 };

class Loaded extends Context.Tag("Loaded")<
  Loaded,
  {
    readonly appUrl: string;
    readonly bypassUrl: string;
    readonly contextKey: string;
    readonly args: Queries.Args;
    readonly keys: Dataset.Keys;
  }
>() {}

const loaded = Layer.scoped(
  Loaded,
  Effect.gen(function* () {
    const db = yield* MigratedDatabase;
    yield* Dataset.load(db.adminUrl, SIZE);
    const keys = yield* Dataset.sampleKeys(db.adminUrl, SIZE, 50);
    const document = keys.documents[0];
    if (document === undefined) return yield* Effect.dieMessage("the data set has no documents");
    // A bypass role of this database's own, dropped with the layer: the bench's is cluster-wide.
    const bypassRole = `${db.name}_bypass`;
    yield* Effect.addFinalizer(() => Effect.ignore(BypassRole.drop(db.adminUrl, bypassRole)));
    const bypassUrl = yield* BypassRole.provision(db.adminUrl, "bench_plan_test", bypassRole);
    return {
      appUrl: db.appUrl,
      bypassUrl,
      contextKey: db.contextKey,
      args: { organizationId: document.organizationId, documentId: document.id },
      keys,
    };
  }),
).pipe(Layer.provide(migratedLayer));

/** A `beep_app` pool and a bypass pool for the duration of `f`. */
const withPools = <A>(f: (app: postgres.Sql, bypass: postgres.Sql) => Promise<A>) =>
  Effect.gen(function* () {
    const { appUrl, bypassUrl } = yield* Loaded;
    return yield* Effect.promise(async () => {
      const app = postgres(appUrl, { max: 1, onnotice: () => {} });
      const bypass = postgres(bypassUrl, { max: 1, onnotice: () => {} });
      try {
        return await f(app, bypass);
      } finally {
        await Promise.all([app.end(), bypass.end()]);
      }
    });
  });

const EXPECTED_INDEX: Readonly<Record<string, string>> = {
  "point-read": "documents_document_pkey",
  "newest-50": "documents_document_organization_id_created_at_idx",
  update: "documents_document_pkey",
};

describe("plans: RLS as beep_app with context versus an explicit filter as a BYPASSRLS role", () => {
  it.layer(loaded, { timeout: 120_000 })((it) => {
    it.effect(
      "each query reads the same index either way, really reads one, and never filters the tenant per row",
      () =>
        Effect.gen(function* () {
          const { args, contextKey } = yield* Loaded;
          const sign = ContextTicket.signer(contextKey);
          const plans = yield* withPools(async (app, bypass) => {
            const found: Array<{
              query: Queries.Query["name"];
              rls: ReadonlyArray<string>;
              bypass: ReadonlyArray<string>;
              rowFilters: ReadonlyArray<string>;
              checks: number;
              nodes: ReadonlyArray<string>;
            }> = [];
            for (const query of Queries.all) {
              const rlsPlan = await Plans.explain(app, sign, query.rlsOnly, args);
              const bypassPlan = await Plans.explain(bypass, sign, query.filtered, args);
              found.push({
                query: query.name,
                rls: Plans.indexNames(rlsPlan),
                bypass: Plans.indexNames(bypassPlan),
                rowFilters: Plans.rowFilters(rlsPlan),
                checks: Plans.ticketChecks(rlsPlan),
                nodes: [...Plans.nodeTypes(rlsPlan), ...Plans.nodeTypes(bypassPlan)],
              });
            }
            return found;
          });
          assert.strictEqual(plans.length, Queries.all.length);
          for (const plan of plans) {
            assert.isAbove(plan.rls.length, 0, `${plan.query} reads no index with RLS`);
            assert.deepStrictEqual(plan.rls, plan.bypass, `${plan.query} reads other indexes with RLS`);
            // The tenant policy's ticket check is an index condition, computed once per scan: nothing per row to save.
            // (A write's per-role grants, ORed, filter the rows it targets: one here.)
            assert.deepStrictEqual(
              plan.rowFilters.filter((filter) => filter.includes("current_org_id()")),
              [],
              `${plan.query} checks the tenant row by row`,
            );
            // The tenant policy and the members' read grant are one expression, so a read checks the ticket once.
            if (plan.query !== "update") assert.strictEqual(plan.checks, 1, `${plan.query}: ticket checks in its plan`);
            // An update: the index condition, then the update grants ORed per row, each one check (a member's own
            // rows test role and user with one, `current_user_id_for`; admins' the role); WITH CHECK is not in a plan.
            else assert.strictEqual(plan.checks, 3, "update: ticket checks in its plan");
            // The newest page comes straight off the (organization_id, created_at DESC NULLS LAST) index.
            if (plan.query === "newest-50") assert.notInclude(plan.nodes, "Sort", "newest-50 sorts");
            const expected = EXPECTED_INDEX[plan.query];
            if (expected !== undefined) assert.strictEqual(plan.rls[0], expected, plan.query);
          }
        }),
    );

    it.effect("the generated rows carry valid ids, which the runtime's id checks accept", () =>
      Effect.gen(function* () {
        const { keys } = yield* Loaded;
        assert.strictEqual(keys.organizations.length, SIZE.organizations);
        assert.strictEqual(keys.documents.length, 50);
        assert.deepStrictEqual(
          keys.organizations.filter((id) => !SharedEntityIds.OrganizationId.is(id)),
          [],
        );
        assert.deepStrictEqual(
          keys.documents.filter(
            (key) => !DocumentsEntityIds.DocumentId.is(key.id) || !keys.organizations.includes(key.organizationId),
          ),
          [],
        );
      }),
    );

    it.effect(
      "the RLS side is really filtered: no context sees nothing, withOrg and its plain mirror one organization, bypass all",
      () =>
        Effect.gen(function* () {
          const { appUrl, contextKey, args } = yield* Loaded;
          const runner = yield* TenantRuntime.make(appUrl, contextKey, 1);
          const inContext = (yield* Effect.promise(() => runner.run(Queries.count.rlsOnly, args))) as Array<{
            n: number;
          }>;
          const counts = yield* withPools(async (app, bypass) => {
            const count = (sql: postgres.Sql) => sql.unsafe<Array<{ n: number }>>(Queries.count.rlsOnly.text);
            const plain = (sign: Signer) =>
              inTenantTransaction(app, sign, args.organizationId, (tx) => Queries.run(tx, Queries.count.rlsOnly, args));
            return {
              noContext: (await count(app))[0]?.n,
              plain: (await plain(ContextTicket.signer(contextKey)))[0]?.n,
              // A ticket signed with another key fails the prelude's check, before any figure is taken.
              otherKey: await plain(ContextTicket.signer(ContextKey.generate())).then(
                () => "accepted",
                (error: unknown) => (error instanceof ContextRejected ? "rejected" : String(error)),
              ),
              bypass: (await count(bypass))[0]?.n,
            };
          });
          const perOrganization = SIZE.documents / SIZE.organizations;
          assert.deepStrictEqual(
            { ...counts, inContext: inContext[0]?.n },
            {
              noContext: 0,
              plain: perOrganization,
              otherKey: "rejected",
              inContext: perOrganization,
              bypass: SIZE.documents,
            },
          );
        }).pipe(Effect.scoped),
    );
  });
});
