-- Written by db:generate from @beep/shared-tables ContextTicket and the table declaring roleColumn: beep.assume_role(), a person's role re-signed in the database.
CREATE OR REPLACE FUNCTION beep.assume_role()
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t text := pg_catalog.current_setting('beep.context', true);
  ipad bytea;
  opad bytea;
  held text;
  body text;
BEGIN
  SELECT k.inner_pad, k.outer_pad INTO ipad, opad FROM beep_private.context_key AS k WHERE k.id = 1;
  IF NOT coalesce(pg_catalog.encode(pg_catalog.sha256(opad || pg_catalog.sha256(ipad || pg_catalog.convert_to(pg_catalog.left(t, -65), 'UTF8'))), 'hex') = pg_catalog.right(t, 64)
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" > pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 0)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" <= pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 360000)::text, 16, '0'), false)
    OR pg_catalog.split_part(t, ':', 2) = '' OR pg_catalog.split_part(t, ':', 3) = '' THEN
    RAISE EXCEPTION 'assume_role: the context names no organization and user' USING ERRCODE = '42B01';
  END IF;
  IF pg_catalog.split_part(t, ':', 4) <> '' THEN
    RAISE EXCEPTION 'assume_role: the context already carries a role' USING ERRCODE = '42501';
  END IF;
  SELECT r."role" INTO held FROM public."iam_member" AS r
    WHERE r.organization_id = pg_catalog.split_part(t, ':', 2) AND r."user_id" = pg_catalog.split_part(t, ':', 3);
  IF held IS NULL OR held = '' OR pg_catalog.strpos(held, ':') > 0 THEN
    RAISE EXCEPTION 'assume_role: the user holds no role in this organization' USING ERRCODE = '42B01';
  END IF;
  body := 'v1:' || pg_catalog.split_part(t, ':', 2) || ':' || pg_catalog.split_part(t, ':', 3) || ':' || held || ':' || pg_catalog.split_part(t, ':', 5);
  EXECUTE 'SET LOCAL beep.context TO ' || pg_catalog.quote_literal(body || ':' || pg_catalog.encode(pg_catalog.sha256(opad || pg_catalog.sha256(ipad || pg_catalog.convert_to(body, 'UTF8'))), 'hex'));
  RETURN held;
END
$fn$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION beep.assume_role() TO PUBLIC;
