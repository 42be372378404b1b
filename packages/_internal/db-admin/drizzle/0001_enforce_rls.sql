-- Written by db:generate: what drizzle-kit cannot emit (roles, FORCE RLS, grants).
-- beep: roles
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'beep_app') THEN
    CREATE ROLE "beep_app" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  ELSIF EXISTS (
    SELECT 1 FROM pg_roles WHERE rolname = 'beep_app'
      AND (NOT rolcanlogin OR rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole)
  ) THEN
    ALTER ROLE "beep_app" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION
  -- Another database's migration created it a moment ago.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'beep_admin') THEN
    CREATE ROLE "beep_admin" NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;
  ELSIF EXISTS (
    SELECT 1 FROM pg_roles WHERE rolname = 'beep_admin'
      AND (rolcanlogin OR rolsuper OR NOT rolbypassrls OR rolcreatedb OR rolcreaterole)
  ) THEN
    ALTER ROLE "beep_admin" NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION
  -- Another database's migration created it a moment ago.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO "beep_app", "beep_admin";
--> statement-breakpoint
ALTER TABLE "iam_api_key" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_api_key" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_api_key" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "documents_comment" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "documents_comment" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "documents_comment" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "documents_discussion" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "documents_discussion" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "documents_discussion" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "documents_document" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "documents_document" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "documents_document" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "documents_document_file" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "documents_document_file" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "documents_document_file" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "documents_document_version" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "documents_document_version" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "documents_document_version" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "shared_file" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "shared_file" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "shared_file" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "iam_invitation" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_invitation" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_invitation" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "iam_member" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_member" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_member" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "shared_organization" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON TABLE "shared_organization" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "shared_organization" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "iam_organization_role" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_organization_role" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_organization_role" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "iam_sso_provider" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_sso_provider" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_sso_provider" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "shared_team" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "shared_team" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "shared_team" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "iam_team_member" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_team_member" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "iam_team_member" TO "beep_admin";
--> statement-breakpoint
ALTER TABLE "shared_user" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON TABLE "shared_user" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "shared_user" TO "beep_admin";
