import { Effect, Layer } from "effect";
import { describe, inject } from "vitest";
import { throughBouncer } from "./PgBouncer.ts";
import type { PgServerKind } from "./PgServer.ts";
import * as TestDatabase from "./TestDatabase.ts";

declare module "vitest" {
  export interface ProvidedContext {
    beepPgAdminUrl: string;
    beepPgKind: PgServerKind;
    /** The admin URL through this run's PgBouncer, or "" when there is none. */
    beepPgBouncerUrl: string;
  }
}

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
