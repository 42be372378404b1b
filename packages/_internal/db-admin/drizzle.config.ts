import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  out: "./drizzle",
  // Only this project's roles; system roles are never touched.
  entities: { roles: { include: ["beep_app", "beep_admin"] } },
  strict: true,
  verbose: false,
});
