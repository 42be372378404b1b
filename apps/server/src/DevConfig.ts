import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Config, type Option, type Redacted } from "effect";

/** The repository root: `.data/` lives here, whichever directory the command ran from. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** For local development only; `bun run dev` says so whenever it uses it. */
export const DEV_AUTH_SECRET = "beep-dev-secret-do-not-use-in-production-0123456789";

export interface DevConfig {
  readonly host: string;
  readonly port: number;
  /** Owner/superuser URL: migrations and seeding. Unset: the embedded PostgreSQL. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>;
  /** The runtime role's URL (`beep_app`). */
  readonly appDatabaseUrl: Option.Option<Redacted.Redacted<string>>;
  readonly authSecret: Option.Option<Redacted.Redacted<string>>;
  /** Embedded PostgreSQL data, kept across runs. */
  readonly dataDir: string;
  /** Embedded PostgreSQL port; unset: the embedded database picks. */
  readonly pgPort: Option.Option<number>;
}

export const config: Config.Config<DevConfig> = Config.all({
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.port("PORT").pipe(Config.withDefault(3000)),
  databaseUrl: Config.option(Config.redacted("DATABASE_URL")),
  appDatabaseUrl: Config.option(Config.redacted("APP_DATABASE_URL")),
  authSecret: Config.option(Config.redacted("AUTH_SECRET")),
  dataDir: Config.string("BEEP_DATA_DIR").pipe(Config.withDefault(join(REPO_ROOT, ".data", "postgres"))),
  pgPort: Config.option(Config.port("BEEP_PG_PORT")),
});
