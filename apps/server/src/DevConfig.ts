import { TenantDb } from "@beep/shared-server";
import { Config, type Option, type Redacted } from "effect";
import * as HttpConfig from "./HttpConfig.ts";

/**
 * Public, so for the embedded development database only: `bun run dev` warns whenever it uses it and refuses
 * to start with it when `DATABASE_URL` is set.
 */
export const DEV_AUTH_SECRET = "beep-dev-secret-do-not-use-in-production-0123456789";

/**
 * What `bun run dev` reads. The embedded database reads its own (`BEEP_PG_PORT`, `BEEP_PG_DATA_DIR`) through
 * `DevDatabase.make`.
 */
export interface DevConfig {
  readonly host: string;
  readonly port: number;
  /** Owner/superuser URL: migrations and seeding. Unset: the embedded PostgreSQL. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>;
  /** The runtime role's URL (`beep_app`); unset: `beep_app` on `DATABASE_URL`'s database. */
  readonly appDatabaseUrl: Option.Option<Redacted.Redacted<string>>;
  /** `beep_app`'s password, set here when `DATABASE_URL` is set without `APP_DATABASE_URL` (never a default). */
  readonly appPassword: Option.Option<Redacted.Redacted<string>>;
  /** What tenant tickets are signed with; required with `DATABASE_URL` (the embedded database has its own). */
  readonly contextKey: Option.Option<Redacted.Redacted<string>>;
  /** Required with `DATABASE_URL`; unset with the embedded database: `DEV_AUTH_SECRET`. */
  readonly authSecret: Option.Option<Redacted.Redacted<string>>;
  /** `CORS_ORIGINS` and `PUBLIC_URL`. */
  readonly http: HttpConfig.HttpSettings;
}

export const config: Config.Config<DevConfig> = Config.all({
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.port("PORT").pipe(Config.withDefault(3000)),
  databaseUrl: Config.option(Config.redacted("DATABASE_URL")),
  appDatabaseUrl: Config.option(Config.redacted("APP_DATABASE_URL")),
  appPassword: Config.option(Config.redacted("BEEP_APP_PASSWORD")),
  contextKey: Config.option(TenantDb.contextKeyConfig),
  authSecret: Config.option(Config.redacted("AUTH_SECRET")),
  http: HttpConfig.config,
});
