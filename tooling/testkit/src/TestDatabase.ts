import { randomBytes } from "node:crypto";
import { Context, Effect, Layer } from "effect";
import postgres from "postgres";

export interface TestDatabaseInfo {
  /** Superuser connection string to the fresh database. */
  readonly url: string;
  readonly name: string;
  /** Superuser connection string to the server's `postgres` database. */
  readonly adminUrl: string;
}

export interface CreatedDatabase extends TestDatabaseInfo {
  readonly drop: () => Promise<void>;
}

export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/** A database name no other test file of any run picks: the time and random bytes after `prefix`. */
export const uniqueName = (prefix: string): string =>
  `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;

/** Creates a fresh, uniquely named database on the server behind `adminUrl`. */
export const create = async (adminUrl: string, prefix = "test"): Promise<CreatedDatabase> => {
  const name = uniqueName(prefix);
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    adminUrl,
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
};

/** A fresh database for one test file, dropped when the scope closes. */
export class TestDatabase extends Context.Tag("@beep/testkit/TestDatabase")<TestDatabase, TestDatabaseInfo>() {}

export const layerFrom = (adminUrl: string): Layer.Layer<TestDatabase> =>
  Layer.scoped(
    TestDatabase,
    Effect.acquireRelease(
      Effect.promise(() => create(adminUrl)),
      (database) => Effect.promise(() => database.drop()),
    ),
  );
