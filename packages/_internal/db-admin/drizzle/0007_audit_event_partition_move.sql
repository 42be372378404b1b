-- Written by db:generate from src/AuditEvent.ts: the partition function moves default-partition rows as an owner that is no superuser.
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
    -- The parent's foreign keys first: validated at ATTACH instead, they would see no organization under FORCE.
    FOR statement IN SELECT format('ALTER TABLE public.%I ADD CONSTRAINT %I %s', partition_name, conname, pg_get_constraintdef(oid))
      FROM pg_constraint WHERE conrelid = 'public."shared_audit_event"'::regclass AND contype = 'f' ORDER BY conname LOOP
      EXECUTE statement;
    END LOOP;
    -- Under FORCE a non-superuser owner sees no row; ALTER's lock hides the lift from others until commit.
    ALTER TABLE public."shared_audit_event_default" NO FORCE ROW LEVEL SECURITY;
    EXECUTE format(
      'WITH moved AS (DELETE FROM public."shared_audit_event_default" WHERE occurred_at >= %L AND occurred_at < %L RETURNING *) INSERT INTO public.%I SELECT * FROM moved',
      lower_bound, upper_bound, partition_name);
    ALTER TABLE public."shared_audit_event_default" FORCE ROW LEVEL SECURITY;
    EXECUTE format('ALTER TABLE public."shared_audit_event" ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
      partition_name, lower_bound, upper_bound);
    FOREACH statement IN ARRAY isolation LOOP
      EXECUTE replace(statement, '__partition__', partition_name);
    END LOOP;
    RETURN NEXT partition_name;
  END LOOP;
END
$fn$;
