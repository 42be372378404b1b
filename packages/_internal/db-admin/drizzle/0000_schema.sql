CREATE TABLE "documents_comment" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"discussion_id" text NOT NULL,
	"body" text NOT NULL,
	"author_id" text,
	CONSTRAINT "documents_comment_pkey" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
ALTER TABLE "documents_comment" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "documents_discussion" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"document_id" text NOT NULL,
	"title" text NOT NULL,
	"resolved" boolean DEFAULT false NOT NULL,
	"author_id" text,
	CONSTRAINT "documents_discussion_pkey" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
ALTER TABLE "documents_discussion" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "documents_document" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"title" text NOT NULL,
	"content" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"author_id" text,
	CONSTRAINT "documents_document_pkey" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
ALTER TABLE "documents_document" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "documents_document_file" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"document_id" text NOT NULL,
	"file_id" text NOT NULL,
	CONSTRAINT "documents_document_file_pkey" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "documents_document_file_org_document_file_unique" UNIQUE("organization_id","document_id","file_id")
);
--> statement-breakpoint
ALTER TABLE "documents_document_file" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "documents_document_version" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"document_id" text NOT NULL,
	"version" integer NOT NULL,
	"title" text NOT NULL,
	"content" text NOT NULL,
	"author_id" text,
	CONSTRAINT "documents_document_version_pkey" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "documents_document_version_org_document_version_unique" UNIQUE("organization_id","document_id","version")
);
--> statement-breakpoint
ALTER TABLE "documents_document_version" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "iam_api_key" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_by" text,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	CONSTRAINT "iam_api_key_pkey" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "iam_api_key_organization_id_key_hash_unique" UNIQUE("organization_id","key_hash")
);
--> statement-breakpoint
ALTER TABLE "iam_api_key" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "iam_invitation" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"invited_by" text,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "iam_invitation_pkey" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "iam_invitation_organization_id_email_unique" UNIQUE("organization_id","email")
);
--> statement-breakpoint
ALTER TABLE "iam_invitation" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "iam_member" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" text NOT NULL,
	"role" text NOT NULL,
	CONSTRAINT "iam_member_pkey" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "iam_member_organization_id_user_id_unique" UNIQUE("organization_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "iam_member" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "iam_organization_role" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	"permissions" text[] DEFAULT '{}' NOT NULL,
	CONSTRAINT "iam_organization_role_pkey" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "iam_organization_role_organization_id_name_unique" UNIQUE("organization_id","name")
);
--> statement-breakpoint
ALTER TABLE "iam_organization_role" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "iam_sso_provider" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), ''),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"domain" text NOT NULL,
	"issuer" text NOT NULL,
	CONSTRAINT "iam_sso_provider_organization_id_id_unique" UNIQUE NULLS NOT DISTINCT("organization_id","id"),
	CONSTRAINT "iam_sso_provider_organization_id_domain_unique" UNIQUE NULLS NOT DISTINCT("organization_id","domain")
);
--> statement-breakpoint
ALTER TABLE "iam_sso_provider" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "iam_team_member" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"team_id" text NOT NULL,
	"member_id" text NOT NULL,
	CONSTRAINT "iam_team_member_pkey" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "iam_team_member_organization_id_team_id_member_id_unique" UNIQUE("organization_id","team_id","member_id")
);
--> statement-breakpoint
ALTER TABLE "iam_team_member" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "shared_file" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	"mime_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"storage_key" text NOT NULL,
	"uploaded_by" text,
	CONSTRAINT "shared_file_pkey" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
ALTER TABLE "shared_file" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "shared_organization" (
	"id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "shared_organization" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "shared_team" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "shared_team_pkey" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "shared_team_organization_id_name_unique" UNIQUE("organization_id","name")
);
--> statement-breakpoint
ALTER TABLE "shared_team" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "shared_user" (
	"id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "shared_user_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "shared_user" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "documents_comment" ADD CONSTRAINT "documents_comment_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_comment" ADD CONSTRAINT "documents_comment_author_id_shared_user_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."shared_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_comment" ADD CONSTRAINT "documents_comment_discussion_id_fk" FOREIGN KEY ("organization_id","discussion_id") REFERENCES "public"."documents_discussion"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_discussion" ADD CONSTRAINT "documents_discussion_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_discussion" ADD CONSTRAINT "documents_discussion_author_id_shared_user_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."shared_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_discussion" ADD CONSTRAINT "documents_discussion_document_id_fk" FOREIGN KEY ("organization_id","document_id") REFERENCES "public"."documents_document"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_document" ADD CONSTRAINT "documents_document_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_document" ADD CONSTRAINT "documents_document_author_id_shared_user_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."shared_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_document_file" ADD CONSTRAINT "documents_document_file_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_document_file" ADD CONSTRAINT "documents_document_file_document_id_fk" FOREIGN KEY ("organization_id","document_id") REFERENCES "public"."documents_document"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_document_file" ADD CONSTRAINT "documents_document_file_file_id_fk" FOREIGN KEY ("organization_id","file_id") REFERENCES "public"."shared_file"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_document_version" ADD CONSTRAINT "documents_document_version_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_document_version" ADD CONSTRAINT "documents_document_version_author_id_shared_user_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."shared_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents_document_version" ADD CONSTRAINT "documents_document_version_document_id_fk" FOREIGN KEY ("organization_id","document_id") REFERENCES "public"."documents_document"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iam_api_key" ADD CONSTRAINT "iam_api_key_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iam_api_key" ADD CONSTRAINT "iam_api_key_created_by_shared_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."shared_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iam_invitation" ADD CONSTRAINT "iam_invitation_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iam_invitation" ADD CONSTRAINT "iam_invitation_invited_by_shared_user_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."shared_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iam_member" ADD CONSTRAINT "iam_member_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iam_member" ADD CONSTRAINT "iam_member_user_id_shared_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."shared_user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iam_organization_role" ADD CONSTRAINT "iam_organization_role_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iam_sso_provider" ADD CONSTRAINT "iam_sso_provider_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iam_team_member" ADD CONSTRAINT "iam_team_member_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iam_team_member" ADD CONSTRAINT "iam_team_member_team_id_fk" FOREIGN KEY ("organization_id","team_id") REFERENCES "public"."shared_team"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iam_team_member" ADD CONSTRAINT "iam_team_member_member_id_fk" FOREIGN KEY ("organization_id","member_id") REFERENCES "public"."iam_member"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_file" ADD CONSTRAINT "shared_file_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_file" ADD CONSTRAINT "shared_file_uploaded_by_shared_user_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."shared_user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_team" ADD CONSTRAINT "shared_team_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "documents_comment_organization_id_discussion_id_idx" ON "documents_comment" USING btree ("organization_id","discussion_id");--> statement-breakpoint
CREATE INDEX "documents_discussion_organization_id_document_id_idx" ON "documents_discussion" USING btree ("organization_id","document_id");--> statement-breakpoint
CREATE INDEX "documents_document_organization_id_created_at_idx" ON "documents_document" USING btree ("organization_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "iam_member_user_id_idx" ON "iam_member" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "iam_member_role_idx" ON "iam_member" USING btree ("role");--> statement-breakpoint
CREATE INDEX "iam_team_member_organization_id_member_id_idx" ON "iam_team_member" USING btree ("organization_id","member_id");--> statement-breakpoint
CREATE INDEX "shared_file_organization_id_created_at_idx" ON "shared_file" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE POLICY "tenant_isolation_documents_comment" ON "documents_comment" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_documents_comment" ON "documents_comment" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_documents_discussion" ON "documents_discussion" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_documents_discussion" ON "documents_discussion" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_documents_document" ON "documents_document" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_documents_document" ON "documents_document" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_documents_document_file" ON "documents_document_file" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_documents_document_file" ON "documents_document_file" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_documents_document_version" ON "documents_document_version" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_documents_document_version" ON "documents_document_version" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_iam_api_key" ON "iam_api_key" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_iam_api_key" ON "iam_api_key" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_iam_invitation" ON "iam_invitation" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_iam_invitation" ON "iam_invitation" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_iam_member" ON "iam_member" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_iam_member" ON "iam_member" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_iam_organization_role" ON "iam_organization_role" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_iam_organization_role" ON "iam_organization_role" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_iam_sso_provider" ON "iam_sso_provider" AS RESTRICTIVE FOR ALL TO public USING (("organization_id" = NULLIF(current_setting('app.current_org_id', true), '') OR "organization_id" IS NULL)) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_isolation_iam_sso_provider_update" ON "iam_sso_provider" AS RESTRICTIVE FOR UPDATE TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_isolation_iam_sso_provider_delete" ON "iam_sso_provider" AS RESTRICTIVE FOR DELETE TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_iam_sso_provider" ON "iam_sso_provider" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_iam_team_member" ON "iam_team_member" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_iam_team_member" ON "iam_team_member" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_shared_file" ON "shared_file" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_shared_file" ON "shared_file" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_shared_organization" ON "shared_organization" AS RESTRICTIVE FOR ALL TO public USING ("id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_shared_organization" ON "shared_organization" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation_shared_team" ON "shared_team" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));--> statement-breakpoint
CREATE POLICY "tenant_baseline_shared_team" ON "shared_team" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "user_select_members_shared_user" ON "shared_user" AS PERMISSIVE FOR SELECT TO public USING (EXISTS (SELECT 1 FROM "iam_member" m WHERE m."user_id" = "shared_user"."id" AND m."organization_id" = NULLIF(current_setting('app.current_org_id', true), '')));--> statement-breakpoint
CREATE POLICY "user_insert_shared_user" ON "shared_user" AS PERMISSIVE FOR INSERT TO public WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "user_update_members_shared_user" ON "shared_user" AS PERMISSIVE FOR UPDATE TO public USING (EXISTS (SELECT 1 FROM "iam_member" m WHERE m."user_id" = "shared_user"."id" AND m."organization_id" = NULLIF(current_setting('app.current_org_id', true), ''))) WITH CHECK (EXISTS (SELECT 1 FROM "iam_member" m WHERE m."user_id" = "shared_user"."id" AND m."organization_id" = NULLIF(current_setting('app.current_org_id', true), '')));