import { SharedEntityIds } from "@beep/shared-domain";
import { TenantContext } from "@beep/shared-tables";
import { Effect } from "effect";
import postgres from "postgres";
import { LoadFailed } from "./BenchErrors.ts";

export interface Size {
  readonly organizations: number;
  readonly documents: number;
}

/** A sample of existing keys the workloads pick from. */
export interface Keys {
  /** `pg_total_relation_size` of the documents table (heap and indexes), in bytes. */
  readonly documentsBytes: number;
  readonly organizations: ReadonlyArray<string>;
  readonly documents: ReadonlyArray<{ readonly organizationId: string; readonly id: string }>;
}

/** Rows per INSERT ... SELECT; each batch prints one progress line. */
export const BATCH = 100_000;

/** Every generated timestamp is this plus whole seconds, so a run's data is the same each time. */
const EPOCH = "2025-01-01T00:00:00Z";

/**
 * SQL text of a valid EntityId (`<table>__<uuid v7>`) for the timestamp `ts`: its milliseconds in the
 * first 48 bits, version 7, then the random bits and RFC 9562 variant of `gen_random_uuid()`
 * (any PostgreSQL from 13 on, not only 18 with `uuidv7()`).
 */
export const entityIdSql = (table: string, ts: string) => {
  const ms = `lpad(to_hex((extract(epoch FROM ${ts}) * 1000)::bigint), 12, '0')`;
  return `'${table}__' || substr(${ms}, 1, 8) || '-' || substr(${ms}, 9, 4) || '-7' || substr(r, 16, 3) || substr(r, 19)`;
};

const loadOrganizations = (sql: postgres.Sql, size: Size) =>
  sql.unsafe(`
    CREATE TEMP TABLE bench_org AS
      SELECT n, ${entityIdSql("shared_organization", "ts")} AS id
      FROM (SELECT n, timestamptz '${EPOCH}' + n * interval '1 second' AS ts, gen_random_uuid()::text AS r
            FROM generate_series(0, ${size.organizations - 1}) n) s;
    CREATE UNIQUE INDEX ON bench_org (n);
    INSERT INTO shared_organization (id, name, created_at, updated_at)
      SELECT id, 'Organization ' || n, timestamptz '${EPOCH}', timestamptz '${EPOCH}' FROM bench_org;
  `);

// Rows go to organizations round-robin, so a page of one organization is spread over the heap as in life.
const loadDocuments = (sql: postgres.Sql, size: Size, from: number, to: number) =>
  sql.unsafe(`
    INSERT INTO documents_document (id, organization_id, created_at, updated_at, title, content, status)
      SELECT ${entityIdSql("documents_document", "ts")}, organization_id, ts, ts, 'Document ' || g, md5(g::text),
        (ARRAY['draft', 'published', 'archived'])[1 + g % 3]
      FROM (SELECT g, o.id AS organization_id, timestamptz '${EPOCH}' + g * interval '1 second' AS ts,
                   gen_random_uuid()::text AS r
            FROM generate_series(${from}, ${to}) g JOIN bench_org o ON o.n = g % ${size.organizations}) s
  `);

/** The organizations of the dataset: every one but the shared organization, which owns shared rows and is no tenant. */
const TENANTS = `shared_organization WHERE id <> ${TenantContext.SHARED_ORGANIZATION_ID_SQL}`;

const step = <A>(name: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (cause) => new LoadFailed({ step: name, cause }) });

/**
 * Fills a migrated, empty database as its owner: organizations, then documents in batches with a progress
 * line each, then VACUUM ANALYZE (statistics for the planner, a visibility map for index-only scans).
 */
export const load = (
  adminUrl: string,
  size: Size,
  log: (line: string) => void = () => {},
): Effect.Effect<void, LoadFailed> =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(adminUrl, { max: 1, onnotice: () => {} })),
    (sql) =>
      Effect.gen(function* () {
        const started = performance.now();
        const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
        // The generated rows are valid by construction; skipping per-row foreign-key triggers makes loading fast.
        yield* step("session", () => sql.unsafe("SET session_replication_role = replica"));
        // VACUUM marks a page all-visible only once the inserts' commit records are flushed; a server with
        // synchronous_commit off would leave the visibility map empty and index-only scans unused.
        yield* step("session", () => sql.unsafe("SET synchronous_commit = on"));
        yield* step("organizations", () => loadOrganizations(sql, size));
        for (let from = 0; from < size.documents; from += BATCH) {
          const to = Math.min(from + BATCH, size.documents) - 1;
          yield* step("documents", () => loadDocuments(sql, size, from, to));
          log(
            `  documents ${(to + 1).toLocaleString("en-US")} / ${size.documents.toLocaleString("en-US")} (${elapsed()})`,
          );
        }
        yield* step("vacuum", () => sql.unsafe("VACUUM (ANALYZE) shared_organization, documents_document"));
        log(`  vacuum analyze done (${elapsed()})`);
      }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  );

/** Up to `count` documents chosen at random (repeatably) and every tenant organization, read as the owner. */
export const sampleKeys = (adminUrl: string, size: Size, count: number): Effect.Effect<Keys, LoadFailed> =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(adminUrl, { max: 1, onnotice: () => {} })),
    (sql) =>
      step("sample", async () => {
        const percent = Math.min(100, (200 * count) / Math.max(1, size.documents));
        const documents = await sql.unsafe<Array<{ organization_id: string; id: string }>>(
          `SELECT organization_id, id FROM documents_document TABLESAMPLE BERNOULLI (${percent}) REPEATABLE (7)
           ORDER BY md5(id) LIMIT ${count}`,
        );
        const organizations = await sql.unsafe<Array<{ id: string }>>(`SELECT id FROM ${TENANTS} ORDER BY id`);
        const [bytes] = await sql<Array<{ n: string }>>`SELECT pg_total_relation_size('documents_document') AS n`;
        return {
          documentsBytes: Number(bytes?.n ?? Number.NaN),
          organizations: organizations.map((row) => row.id),
          documents: documents.map((row) => ({ organizationId: row.organization_id, id: row.id })),
        };
      }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  );

/** A user who is a member of an organization: what an HTTP request's token names. */
export interface Member {
  readonly organizationId: SharedEntityIds.OrganizationId;
  readonly userId: SharedEntityIds.UserId;
}

/**
 * One user per tenant organization, its owner, inserted as the owner of the tables (idempotent: a second call finds
 * the same users). Returns every pair.
 */
export const members = (adminUrl: string): Effect.Effect<ReadonlyArray<Member>, LoadFailed> =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(adminUrl, { max: 1, onnotice: () => {} })),
    (sql) =>
      step("members", async () => {
        await sql.unsafe(`
          INSERT INTO shared_user (id, email, name)
            SELECT ${entityIdSql("shared_user", "ts")}, o.email, 'Owner of ' || o.name
            FROM (SELECT id, name, 'owner-' || id || '@bench.invalid' AS email, created_at AS ts,
                    gen_random_uuid()::text AS r FROM ${TENANTS}) o
            WHERE NOT EXISTS (SELECT FROM shared_user u WHERE u.email = o.email);
          INSERT INTO iam_member (id, organization_id, user_id, role, email, name)
            SELECT ${entityIdSql("iam_member", "ts")}, organization_id, user_id, 'owner', email, name
            FROM (SELECT o.id AS organization_id, u.id AS user_id, u.email, u.name, u.created_at AS ts,
                    gen_random_uuid()::text AS r
                  FROM (SELECT * FROM ${TENANTS}) o JOIN shared_user u ON u.email = 'owner-' || o.id || '@bench.invalid') m
            ON CONFLICT (organization_id, user_id) DO NOTHING;
          ANALYZE shared_user, iam_member;
        `);
        const rows = await sql<Array<{ organization_id: string; user_id: string }>>`
          SELECT organization_id, user_id FROM iam_member WHERE role = 'owner' ORDER BY organization_id`;
        return rows.map((row) => {
          const { organization_id: organizationId, user_id: userId } = row;
          if (!SharedEntityIds.OrganizationId.is(organizationId) || !SharedEntityIds.UserId.is(userId)) {
            throw new Error(`not a valid member: ${organizationId} / ${userId}`);
          }
          return { organizationId, userId };
        });
      }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 })),
  );
