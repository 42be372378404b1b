import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  // Overridable so a test can generate into a scratch copy and prove nothing is missing.
  out: process.env.BEEP_MIGRATIONS_OUT ?? "./drizzle",
  // Only this project's roles; system roles are never touched.
  entities: { roles: { include: ["beep_app", "beep_admin"] } },
  strict: true,
  verbose: false,
  breakpoints: true,
});
