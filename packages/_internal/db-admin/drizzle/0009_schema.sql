ALTER TABLE "iam_sso_provider" DROP CONSTRAINT "iam_sso_provider_organization_id_id_unique";--> statement-breakpoint
ALTER TABLE "iam_sso_provider" DROP CONSTRAINT "iam_sso_provider_organization_id_domain_unique";--> statement-breakpoint
ALTER TABLE "iam_sso_provider" ALTER COLUMN "organization_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "iam_sso_provider" ADD CONSTRAINT "iam_sso_provider_pkey" PRIMARY KEY("organization_id","id");--> statement-breakpoint
ALTER TABLE "iam_sso_provider" ADD CONSTRAINT "iam_sso_provider_organization_id_domain_unique" UNIQUE("organization_id","domain");--> statement-breakpoint
ALTER POLICY "tenant_isolation_iam_sso_provider" ON "iam_sso_provider" TO public USING (("organization_id" = beep.current_org_id() OR "organization_id" = 'shared_organization__00000000-0000-7000-8000-000000000000')) WITH CHECK ("organization_id" = beep.current_org_id());