-- Written by db:generate from src/AuditEvent.ts: the partitioned audit trail, its isolation and partitions.
CREATE TABLE "shared_audit_event" (
	"id" text NOT NULL,
	"organization_id" text DEFAULT NULLIF(current_setting('app.current_org_id', true), '') NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"entity_type" text,
	"entity_id" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "shared_audit_event_pkey" PRIMARY KEY("organization_id","id","occurred_at"),
	CONSTRAINT "shared_audit_event_organization_id_shared_organization_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."shared_organization"("id") ON DELETE cascade
) PARTITION BY RANGE ("occurred_at");
--> statement-breakpoint
CREATE INDEX "shared_audit_event_organization_id_occurred_at_idx" ON "shared_audit_event" USING btree ("organization_id","occurred_at");
--> statement-breakpoint
ALTER TABLE "shared_audit_event" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_audit_event" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "tenant_isolation_shared_audit_event" ON "shared_audit_event" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));
--> statement-breakpoint
CREATE POLICY "tenant_baseline_shared_audit_event" ON "shared_audit_event" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);
--> statement-breakpoint
GRANT SELECT, INSERT ON TABLE "shared_audit_event" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "shared_audit_event" TO "beep_admin";
--> statement-breakpoint
CREATE FUNCTION "shared_audit_event_ensure_partitions"(months_ahead integer)
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $fn$
DECLARE
  isolation constant text[] := ARRAY[
    $tpl$ALTER TABLE "__partition__" ENABLE ROW LEVEL SECURITY;$tpl$,
    $tpl$ALTER TABLE "__partition__" FORCE ROW LEVEL SECURITY;$tpl$,
    $tpl$CREATE POLICY "tenant_isolation___partition__" ON "__partition__" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));$tpl$,
    $tpl$CREATE POLICY "tenant_baseline___partition__" ON "__partition__" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);$tpl$,
    $tpl$GRANT SELECT, INSERT ON TABLE "__partition__" TO "beep_app";$tpl$,
    $tpl$GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "__partition__" TO "beep_admin";$tpl$
  ];
  month_start timestamp;
  lower_bound timestamptz;
  upper_bound timestamptz;
  partition_name text;
  statement text;
BEGIN
  IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
    RAISE EXCEPTION 'months_ahead must be between 0 and 120, got %', months_ahead;
  END IF;
  FOR i IN 0..months_ahead LOOP
    month_start := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i);
    lower_bound := month_start AT TIME ZONE 'UTC';
    upper_bound := (month_start + interval '1 month') AT TIME ZONE 'UTC';
    partition_name := 'shared_audit_event_' || to_char(month_start, '"y"YYYY"m"MM');
    CONTINUE WHEN to_regclass(format('public.%I', partition_name)) IS NOT NULL;
    -- Built beside the parent and attached, so rows of this month already in the default partition move in.
    EXECUTE format('CREATE TABLE public.%I (LIKE public."shared_audit_event")', partition_name);
    EXECUTE format(
      'WITH moved AS (DELETE FROM public."shared_audit_event_default" WHERE occurred_at >= %L AND occurred_at < %L RETURNING *) INSERT INTO public.%I SELECT * FROM moved',
      lower_bound, upper_bound, partition_name);
    EXECUTE format('ALTER TABLE public."shared_audit_event" ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
      partition_name, lower_bound, upper_bound);
    FOREACH statement IN ARRAY isolation LOOP
      EXECUTE replace(statement, '__partition__', partition_name);
    END LOOP;
    RETURN NEXT partition_name;
  END LOOP;
END
$fn$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION "shared_audit_event_ensure_partitions"(integer) FROM PUBLIC;
--> statement-breakpoint
CREATE TABLE "shared_audit_event_default" PARTITION OF "shared_audit_event" DEFAULT;
--> statement-breakpoint
ALTER TABLE "shared_audit_event_default" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_audit_event_default" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "tenant_isolation_shared_audit_event_default" ON "shared_audit_event_default" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = NULLIF(current_setting('app.current_org_id', true), '')) WITH CHECK ("organization_id" = NULLIF(current_setting('app.current_org_id', true), ''));
--> statement-breakpoint
CREATE POLICY "tenant_baseline_shared_audit_event_default" ON "shared_audit_event_default" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);
--> statement-breakpoint
GRANT SELECT, INSERT ON TABLE "shared_audit_event_default" TO "beep_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "shared_audit_event_default" TO "beep_admin";
--> statement-breakpoint
SELECT "shared_audit_event_ensure_partitions"(2);
