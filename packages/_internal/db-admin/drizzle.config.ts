import { defineConfig } from "drizzle-kit";

// Overridable so a test can generate into a scratch copy, with extra tables, and prove nothing is missing.
const extraSchemas = (process.env.BEEP_EXTRA_SCHEMAS ?? "").split(",").filter((path) => path !== "");

export default defineConfig({
  dialect: "postgresql",
  schema: ["./src/schema.ts", ...extraSchemas],
  out: process.env.BEEP_MIGRATIONS_OUT ?? "./drizzle",
  // Only this project's roles; system roles are never touched.
  entities: { roles: { include: ["beep_app", "beep_admin"] } },
  // Only `db:studio` connects; it sets DATABASE_URL (the dev database when none is configured).
  ...(process.env.DATABASE_URL ? { dbCredentials: { url: process.env.DATABASE_URL } } : {}),
  strict: true,
  verbose: false,
  breakpoints: true,
});
