import { Effect, Layer } from "effect";
import { inject } from "vitest";
// Brings in the `ProvidedContext` keys that `inject` reads, for packages that import only this module.
import type {} from "./globalSetup.ts";
import * as TestDatabase from "./TestDatabase.ts";

/** The admin URL the global setup provided to this test run. */
export const adminUrl = (): string => inject("beepPgAdminUrl");

/** A fresh database for this test file, as a layer for `it.layer(...)`. */
export const database: Layer.Layer<TestDatabase.TestDatabase> = Layer.unwrapEffect(
  Effect.sync(() => TestDatabase.layerFrom(adminUrl())),
);

/** A fresh database for this test file, as plain async helpers. */
export const createDatabase = (prefix?: string) => TestDatabase.create(adminUrl(), prefix);
