import { Effect, Layer } from "effect";
import { describe, inject, it } from "vitest";
import * as Citus from "./Citus.ts";
import { throughBouncer } from "./PgBouncer.ts";
import type { PgServerKind } from "./PgServer.ts";
import * as TestDatabase from "./TestDatabase.ts";

declare module "vitest" {
  export interface ProvidedContext {
    beepPgAdminUrl: string;
    beepPgKind: PgServerKind;
    /** The admin URL through this run's PgBouncer, or "" when there is none. */
    beepPgBouncerUrl: string;
    /** This run's Citus cluster, or why there is none; absent unless the package asked for one. */
    beepCitus: CitusProvided;
  }
}

/** What the Citus global setup provides. */
export type CitusProvided = { readonly ok: true; readonly cluster: Citus.Description } | Citus.Unavailable;

/** The admin URL the global setup provided to this test run. */
export const adminUrl = (): string => inject("beepPgAdminUrl");

/** A fresh database for this test file, as a layer for `it.layer(...)`. */
export const database: Layer.Layer<TestDatabase.TestDatabase> = Layer.unwrapEffect(
  Effect.sync(() => TestDatabase.layerFrom(adminUrl())),
);

/** A fresh database for this test file, as plain async helpers. */
export const createDatabase = (prefix?: string) => TestDatabase.create(adminUrl(), prefix);

/** This run's PgBouncer (transaction mode, otherwise its defaults), in front of the test server. */
export interface PgBouncerAccess {
  /** The same user, password and database as `databaseUrl` (a URL of the test server), through the bouncer. */
  readonly urlFor: (databaseUrl: string) => string;
  /** The bouncer's admin console (`SHOW POOLS`, `SHOW CONFIG`; simple protocol only), as the superuser. */
  readonly adminConsoleUrl: string;
}

/** This run's PgBouncer, or undefined when it is not installed or `BEEP_PGBOUNCER=off`. */
export const pgBouncer = (): PgBouncerAccess | undefined => {
  const bouncerAdminUrl = inject("beepPgBouncerUrl");
  if (bouncerAdminUrl === undefined || bouncerAdminUrl === "") return undefined;
  const port = Number(new URL(bouncerAdminUrl).port);
  const adminConsole = new URL(bouncerAdminUrl);
  adminConsole.pathname = "/pgbouncer";
  return { urlFor: (databaseUrl) => throughBouncer(databaseUrl, port), adminConsoleUrl: adminConsole.toString() };
};

const unavailable: PgBouncerAccess = {
  urlFor: () => {
    throw new Error("pgbouncer is not running: use the bouncer inside tests and hooks, not while collecting");
  },
  get adminConsoleUrl(): string {
    throw new Error("pgbouncer is not running: use the bouncer inside tests and hooks, not while collecting");
  },
};

/**
 * A `describe` whose suite needs this run's PgBouncer, which `fn` receives (use it inside tests and
 * hooks). Without one, it prints one line saying the suite did not run and reports its tests as skipped,
 * never as passed.
 */
export const describeWithPgBouncer = (name: string, fn: (bouncer: PgBouncerAccess) => void): void => {
  const bouncer = pgBouncer();
  if (bouncer === undefined) {
    const line =
      process.env.BEEP_PGBOUNCER === "off"
        ? `pgbouncer: off (BEEP_PGBOUNCER=off), ${name} did not run`
        : `pgbouncer: not installed, ${name} did not run (apt-get install pgbouncer)`;
    process.stdout.write(`${line}\n`);
    // Collected, so its tests are reported as skipped; a skipped suite runs no test and no hook.
    describe.skip(name, () => fn(unavailable));
    return;
  }
  describe(name, () => fn(bouncer));
};

/** This run's Citus cluster: a coordinator and its workers, each PostgreSQL 15 with Citus. */
export interface CitusAccess {
  /** Started for this run, or given by `CITUS_URL` (whose workers cannot be stopped from here). */
  readonly kind: Citus.Description["kind"];
  /** The superuser URL of the coordinator. */
  readonly adminUrl: string;
  readonly coordinator: Citus.Node;
  readonly workers: ReadonlyArray<Citus.Node>;
  /** A fresh database on every node, with the extension and the nodes registered: `{ url, name, drop }`. */
  readonly createDatabase: (prefix?: string) => Promise<Citus.CitusDatabase>;
  /** Stops worker `index`; every test file of the run that uses the cluster meets it stopped. */
  readonly stopWorker: (index: number, mode?: "fast" | "immediate") => Promise<void>;
  readonly startWorker: (index: number) => Promise<void>;
}

const providedCitus = (): CitusProvided | undefined =>
  // Typed as always provided; it is not when the package's config did not ask for the cluster.
  inject("beepCitus") as CitusProvided | undefined;

const accessTo = (description: Citus.Description): CitusAccess => {
  const cluster = Citus.attach(description);
  return {
    kind: cluster.kind,
    adminUrl: cluster.adminUrl,
    coordinator: cluster.coordinator,
    workers: cluster.workers,
    createDatabase: (prefix) => Citus.createDatabase(cluster, prefix),
    stopWorker: cluster.stopWorker,
    startWorker: cluster.startWorker,
  };
};

/** This run's Citus cluster, or undefined when Citus is not installed, `BEEP_CITUS=off` or not asked for. */
export const citus = (): CitusAccess | undefined => {
  const provided = providedCitus();
  return provided?.ok === true ? accessTo(provided.cluster) : undefined;
};

/**
 * A `describe` whose suite needs this run's Citus cluster, which `fn` receives (use it inside tests and
 * hooks). Without one, it prints one line saying the suite did not run and why, and reports one skipped test in
 * its place, never a pass. A package whose config did not ask for the cluster fails here.
 */
export const describeWithCitus = (name: string, fn: (citus: CitusAccess) => void): void => {
  const provided = providedCitus();
  if (provided === undefined) {
    throw new Error(`${name} needs the Citus cluster: use beepTestConfig(test, { citus: true }) in vitest.config.ts`);
  }
  if (!provided.ok) {
    const remedy = provided.remedy === undefined ? "" : ` (${provided.remedy})`;
    process.stdout.write(`citus: ${provided.reason}, ${name} did not run${remedy}\n`);
    // The suite is not collected at all (its layers would reach for the cluster): one skipped test stands for it.
    describe.skip(name, () => {
      it.skip(`${name} (needs the Citus cluster)`, () => {});
    });
    return;
  }
  describe(name, () => fn(accessTo(provided.cluster)));
};
