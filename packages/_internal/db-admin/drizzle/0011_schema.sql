ALTER TABLE "iam_api_key" ADD COLUMN "role" text DEFAULT 'member' NOT NULL;--> statement-breakpoint
ALTER TABLE "shared_user" ADD COLUMN "email_verified" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "shared_user" ADD COLUMN "issuer" text;--> statement-breakpoint
ALTER TABLE "shared_user" ADD COLUMN "subject" text;--> statement-breakpoint
CREATE UNIQUE INDEX "shared_user_issuer_subject_idx" ON "shared_user" USING btree ("issuer","subject");--> statement-breakpoint
DROP POLICY "tenant_baseline_documents_comment" ON "documents_comment" CASCADE;--> statement-breakpoint
DROP POLICY "tenant_baseline_documents_discussion" ON "documents_discussion" CASCADE;--> statement-breakpoint
DROP POLICY "tenant_baseline_documents_document" ON "documents_document" CASCADE;--> statement-breakpoint
DROP POLICY "tenant_baseline_documents_document_file" ON "documents_document_file" CASCADE;--> statement-breakpoint
DROP POLICY "tenant_baseline_documents_document_version" ON "documents_document_version" CASCADE;--> statement-breakpoint
DROP POLICY "tenant_baseline_iam_api_key" ON "iam_api_key" CASCADE;--> statement-breakpoint
DROP POLICY "tenant_baseline_iam_invitation" ON "iam_invitation" CASCADE;--> statement-breakpoint
DROP POLICY "tenant_baseline_iam_member" ON "iam_member" CASCADE;--> statement-breakpoint
DROP POLICY "tenant_baseline_iam_organization_role" ON "iam_organization_role" CASCADE;--> statement-breakpoint
DROP POLICY "tenant_baseline_iam_sso_provider" ON "iam_sso_provider" CASCADE;--> statement-breakpoint
DROP POLICY "tenant_baseline_iam_team_member" ON "iam_team_member" CASCADE;--> statement-breakpoint
CREATE POLICY "select_member_documents_comment" ON "documents_comment" AS PERMISSIVE FOR SELECT TO public USING (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "insert_member_documents_comment" ON "documents_comment" AS PERMISSIVE FOR INSERT TO public WITH CHECK (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "update_member_own_documents_comment" ON "documents_comment" AS PERMISSIVE FOR UPDATE TO public USING (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id()) WITH CHECK (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "delete_member_own_documents_comment" ON "documents_comment" AS PERMISSIVE FOR DELETE TO public USING (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "update_admin_documents_comment" ON "documents_comment" AS PERMISSIVE FOR UPDATE TO public USING (beep.current_role() IN ('admin', 'owner')) WITH CHECK (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "delete_admin_documents_comment" ON "documents_comment" AS PERMISSIVE FOR DELETE TO public USING (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "select_member_documents_discussion" ON "documents_discussion" AS PERMISSIVE FOR SELECT TO public USING (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "insert_member_documents_discussion" ON "documents_discussion" AS PERMISSIVE FOR INSERT TO public WITH CHECK (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "update_member_own_documents_discussion" ON "documents_discussion" AS PERMISSIVE FOR UPDATE TO public USING (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id()) WITH CHECK (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "delete_member_own_documents_discussion" ON "documents_discussion" AS PERMISSIVE FOR DELETE TO public USING (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "update_admin_documents_discussion" ON "documents_discussion" AS PERMISSIVE FOR UPDATE TO public USING (beep.current_role() IN ('admin', 'owner')) WITH CHECK (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "delete_admin_documents_discussion" ON "documents_discussion" AS PERMISSIVE FOR DELETE TO public USING (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "select_member_documents_document" ON "documents_document" AS PERMISSIVE FOR SELECT TO public USING (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "insert_member_documents_document" ON "documents_document" AS PERMISSIVE FOR INSERT TO public WITH CHECK (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "update_member_own_documents_document" ON "documents_document" AS PERMISSIVE FOR UPDATE TO public USING (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id()) WITH CHECK (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "delete_member_own_documents_document" ON "documents_document" AS PERMISSIVE FOR DELETE TO public USING (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "update_admin_documents_document" ON "documents_document" AS PERMISSIVE FOR UPDATE TO public USING (beep.current_role() IN ('admin', 'owner')) WITH CHECK (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "delete_admin_documents_document" ON "documents_document" AS PERMISSIVE FOR DELETE TO public USING (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "select_member_documents_document_file" ON "documents_document_file" AS PERMISSIVE FOR SELECT TO public USING (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "insert_member_documents_document_file" ON "documents_document_file" AS PERMISSIVE FOR INSERT TO public WITH CHECK (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "update_admin_documents_document_file" ON "documents_document_file" AS PERMISSIVE FOR UPDATE TO public USING (beep.current_role() IN ('admin', 'owner')) WITH CHECK (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "delete_admin_documents_document_file" ON "documents_document_file" AS PERMISSIVE FOR DELETE TO public USING (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "select_member_documents_document_version" ON "documents_document_version" AS PERMISSIVE FOR SELECT TO public USING (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "insert_member_documents_document_version" ON "documents_document_version" AS PERMISSIVE FOR INSERT TO public WITH CHECK (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "update_member_own_documents_document_version" ON "documents_document_version" AS PERMISSIVE FOR UPDATE TO public USING (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id()) WITH CHECK (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "delete_member_own_documents_document_version" ON "documents_document_version" AS PERMISSIVE FOR DELETE TO public USING (beep.current_role() IN ('member', 'admin', 'owner') AND "author_id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "update_admin_documents_document_version" ON "documents_document_version" AS PERMISSIVE FOR UPDATE TO public USING (beep.current_role() IN ('admin', 'owner')) WITH CHECK (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "delete_admin_documents_document_version" ON "documents_document_version" AS PERMISSIVE FOR DELETE TO public USING (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "select_key_iam_api_key" ON "iam_api_key" AS PERMISSIVE FOR SELECT TO public USING ((beep.current_role() = 'apikey.' || "id"));--> statement-breakpoint
CREATE POLICY "update_key_iam_api_key" ON "iam_api_key" AS PERMISSIVE FOR UPDATE TO public USING ((beep.current_role() = 'apikey.' || "id")) WITH CHECK ((beep.current_role() = 'apikey.' || "id"));--> statement-breakpoint
CREATE POLICY "select_admin_iam_api_key" ON "iam_api_key" AS PERMISSIVE FOR SELECT TO public USING (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "all_admin_iam_api_key" ON "iam_api_key" AS PERMISSIVE FOR ALL TO public USING (beep.current_role() IN ('admin', 'owner') AND ("role" <> 'owner' OR beep.current_role() = 'owner')) WITH CHECK (beep.current_role() IN ('admin', 'owner') AND ("role" <> 'owner' OR beep.current_role() = 'owner'));--> statement-breakpoint
CREATE POLICY "select_admin_iam_invitation" ON "iam_invitation" AS PERMISSIVE FOR SELECT TO public USING (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "all_admin_iam_invitation" ON "iam_invitation" AS PERMISSIVE FOR ALL TO public USING (beep.current_role() IN ('admin', 'owner') AND ("role" <> 'owner' OR beep.current_role() = 'owner')) WITH CHECK (beep.current_role() IN ('admin', 'owner') AND ("role" <> 'owner' OR beep.current_role() = 'owner'));--> statement-breakpoint
CREATE POLICY "select_invitee_iam_invitation" ON "iam_invitation" AS PERMISSIVE FOR SELECT TO public USING ((beep.current_role() = 'invitee.' || "id"));--> statement-breakpoint
CREATE POLICY "update_invitee_iam_invitation" ON "iam_invitation" AS PERMISSIVE FOR UPDATE TO public USING ((beep.current_role() = 'invitee.' || "id")) WITH CHECK ((beep.current_role() = 'invitee.' || "id"));--> statement-breakpoint
CREATE POLICY "select_any_own_iam_member" ON "iam_member" AS PERMISSIVE FOR SELECT TO public USING ("user_id" = beep.current_user_id());--> statement-breakpoint
CREATE POLICY "select_member_iam_member" ON "iam_member" AS PERMISSIVE FOR SELECT TO public USING (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "insert_owner_iam_member" ON "iam_member" AS PERMISSIVE FOR INSERT TO public WITH CHECK (beep.current_role() IN ('owner'));--> statement-breakpoint
CREATE POLICY "insert_invitee_iam_member" ON "iam_member" AS PERMISSIVE FOR INSERT TO public WITH CHECK ((beep.current_role() LIKE 'invitee.%' AND "role" <> 'owner'));--> statement-breakpoint
CREATE POLICY "update_admin_iam_member" ON "iam_member" AS PERMISSIVE FOR UPDATE TO public USING (beep.current_role() IN ('admin', 'owner') AND ("role" <> 'owner' OR beep.current_role() = 'owner')) WITH CHECK (beep.current_role() IN ('admin', 'owner') AND ("role" <> 'owner' OR beep.current_role() = 'owner'));--> statement-breakpoint
CREATE POLICY "delete_admin_iam_member" ON "iam_member" AS PERMISSIVE FOR DELETE TO public USING (beep.current_role() IN ('admin', 'owner') AND ("role" <> 'owner' OR beep.current_role() = 'owner'));--> statement-breakpoint
CREATE POLICY "tenant_isolation_iam_member_update" ON "iam_member" AS RESTRICTIVE FOR UPDATE TO public USING ("organization_id" = beep.current_org_id());--> statement-breakpoint
CREATE POLICY "tenant_isolation_iam_member_delete" ON "iam_member" AS RESTRICTIVE FOR DELETE TO public USING ("organization_id" = beep.current_org_id());--> statement-breakpoint
CREATE POLICY "select_member_iam_organization_role" ON "iam_organization_role" AS PERMISSIVE FOR SELECT TO public USING (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "all_admin_iam_organization_role" ON "iam_organization_role" AS PERMISSIVE FOR ALL TO public USING (beep.current_role() IN ('admin', 'owner')) WITH CHECK (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "select_member_iam_sso_provider" ON "iam_sso_provider" AS PERMISSIVE FOR SELECT TO public USING (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "all_admin_iam_sso_provider" ON "iam_sso_provider" AS PERMISSIVE FOR ALL TO public USING (beep.current_role() IN ('admin', 'owner')) WITH CHECK (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
CREATE POLICY "select_member_iam_team_member" ON "iam_team_member" AS PERMISSIVE FOR SELECT TO public USING (beep.current_role() IN ('member', 'admin', 'owner'));--> statement-breakpoint
CREATE POLICY "all_admin_iam_team_member" ON "iam_team_member" AS PERMISSIVE FOR ALL TO public USING (beep.current_role() IN ('admin', 'owner')) WITH CHECK (beep.current_role() IN ('admin', 'owner'));--> statement-breakpoint
ALTER POLICY "tenant_isolation_iam_member" ON "iam_member" TO public USING (("organization_id" = beep.current_org_id() OR (beep.current_org_id() IS NULL AND "user_id" = beep.current_user_id()))) WITH CHECK ("organization_id" = beep.current_org_id());