-- Written by db:generate from src/AuditEvent.ts: the audit trail's policies on the signed tenant context.
ALTER TABLE "shared_audit_event" ALTER COLUMN "organization_id" SET DEFAULT beep.current_org_id();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "shared_audit_event_ensure_partitions"(months_ahead integer)
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $fn$
DECLARE
  isolation constant text[] := ARRAY[
    $tpl$ALTER TABLE "__partition__" ENABLE ROW LEVEL SECURITY;$tpl$,
    $tpl$ALTER TABLE "__partition__" FORCE ROW LEVEL SECURITY;$tpl$,
    $tpl$CREATE POLICY "tenant_isolation___partition__" ON "__partition__" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());$tpl$,
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
DO $$
DECLARE
  isolation constant text[] := ARRAY[
    $tpl$ALTER TABLE "__partition__" ENABLE ROW LEVEL SECURITY;$tpl$,
    $tpl$ALTER TABLE "__partition__" FORCE ROW LEVEL SECURITY;$tpl$,
    $tpl$CREATE POLICY "tenant_isolation___partition__" ON "__partition__" AS RESTRICTIVE FOR ALL TO public USING ("organization_id" = beep.current_org_id()) WITH CHECK ("organization_id" = beep.current_org_id());$tpl$,
    $tpl$CREATE POLICY "tenant_baseline___partition__" ON "__partition__" AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true);$tpl$,
    $tpl$GRANT SELECT, INSERT ON TABLE "__partition__" TO "beep_app";$tpl$,
    $tpl$GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "__partition__" TO "beep_admin";$tpl$
  ];
  target text;
  statement text;
BEGIN
  FOR target IN
    SELECT 'shared_audit_event' UNION ALL
    SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'public."shared_audit_event"'::regclass
  LOOP
    EXECUTE format('DROP POLICY IF EXISTS %I ON public.%I', 'tenant_isolation_' || target, target);
    EXECUTE format('DROP POLICY IF EXISTS %I ON public.%I', 'tenant_baseline_' || target, target);
    FOREACH statement IN ARRAY isolation LOOP
      EXECUTE replace(statement, '__partition__', target);
    END LOOP;
  END LOOP;
END
$$;
