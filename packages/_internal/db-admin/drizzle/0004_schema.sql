ALTER TABLE "shared_user" DROP CONSTRAINT "shared_user_email_unique";--> statement-breakpoint
ALTER TABLE "documents_comment" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "documents_discussion" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "documents_document" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "documents_document_file" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "documents_document_version" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "iam_api_key" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "iam_invitation" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "iam_member" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "iam_organization_role" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "iam_sso_provider" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "iam_team_member" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "shared_file" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "shared_team" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();--> statement-breakpoint
ALTER TABLE "iam_member" ADD COLUMN "email" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "iam_member" ADD COLUMN "name" text DEFAULT '' NOT NULL;--> statement-breakpoint
DROP POLICY "user_select_members_shared_user" ON "shared_user" CASCADE;--> statement-breakpoint
DROP POLICY "user_insert_shared_user" ON "shared_user" CASCADE;--> statement-breakpoint
DROP POLICY "user_update_members_shared_user" ON "shared_user" CASCADE;--> statement-breakpoint
CREATE POLICY "member_insert_self_iam_member" ON "iam_member" AS RESTRICTIVE FOR INSERT TO public WITH CHECK ("user_id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "user_select_self_shared_user" ON "shared_user" AS PERMISSIVE FOR SELECT TO public USING ("id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "user_insert_self_shared_user" ON "shared_user" AS PERMISSIVE FOR INSERT TO public WITH CHECK ("id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "user_update_self_shared_user" ON "shared_user" AS PERMISSIVE FOR UPDATE TO public USING ("id" = beep.current_user_id()) WITH CHECK ("id" = beep.current_user_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_documents_comment" ON "documents_comment" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_documents_discussion" ON "documents_discussion" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_documents_document" ON "documents_document" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_documents_document_file" ON "documents_document_file" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_documents_document_version" ON "documents_document_version" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_iam_api_key" ON "iam_api_key" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_iam_invitation" ON "iam_invitation" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_iam_member" ON "iam_member" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_iam_organization_role" ON "iam_organization_role" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_iam_sso_provider" ON "iam_sso_provider" TO public USING (("organization_id" = beep.current_org_id() OR "organization_id" IS NULL)) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_iam_sso_provider_update" ON "iam_sso_provider" TO public USING ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_iam_sso_provider_delete" ON "iam_sso_provider" TO public USING ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_iam_team_member" ON "iam_team_member" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_shared_file" ON "shared_file" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_shared_organization" ON "shared_organization" TO public USING ("id" = beep.current_org_id()) WITH CHECK ("id" = beep.current_org_id());--> statement-breakpoint
ALTER POLICY "tenant_isolation_shared_team" ON "shared_team" TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());