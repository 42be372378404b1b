-- Written by db:generate: what drizzle-kit cannot emit (roles, FORCE RLS, grants).
REVOKE UPDATE ON TABLE "iam_api_key" FROM "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON TABLE "iam_api_key" TO "beep_app";
--> statement-breakpoint
GRANT UPDATE ("id", "organization_id", "created_at", "updated_at", "last_used_at") ON TABLE "iam_api_key" TO "beep_app";
