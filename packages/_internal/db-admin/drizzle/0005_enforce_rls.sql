-- Written by db:generate: what drizzle-kit cannot emit (roles, FORCE RLS, grants).
REVOKE UPDATE ON TABLE "iam_member" FROM "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON TABLE "iam_member" TO "beep_app";
--> statement-breakpoint
GRANT UPDATE ("id", "organization_id", "created_at", "updated_at", "role", "email", "name") ON TABLE "iam_member" TO "beep_app";
