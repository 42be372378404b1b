-- Written by db:generate from src/SharedRows.ts: the shared organization, and the shared rows of nullable tables moved to it from NULL.
ALTER TABLE "shared_organization" NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "iam_sso_provider" NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
INSERT INTO "shared_organization" ("id", "name") VALUES ('shared_organization__00000000-0000-7000-8000-000000000000', 'Shared rows') ON CONFLICT ("id") DO NOTHING;
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM "iam_sso_provider" WHERE "organization_id" IS NULL) THEN
    UPDATE "iam_sso_provider" SET "organization_id" = 'shared_organization__00000000-0000-7000-8000-000000000000' WHERE "organization_id" IS NULL;
  END IF;
END
$$;
--> statement-breakpoint
ALTER TABLE "shared_organization" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "iam_sso_provider" FORCE ROW LEVEL SECURITY;
