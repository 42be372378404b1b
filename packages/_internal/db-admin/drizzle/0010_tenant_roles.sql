-- Written by db:generate from @beep/shared-tables ContextTicket: the role claim (beep.current_role()) and enter_tenant with a role.
CREATE OR REPLACE FUNCTION beep.current_role()
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT NULLIF(pg_catalog.split_part(t, ':', 4), '')
  FROM (SELECT pg_catalog.current_setting('beep.context', true) AS t) AS ticket, beep_private.context_key AS k
  WHERE k.id = 1
    AND pg_catalog.encode(pg_catalog.sha256(k.outer_pad || pg_catalog.sha256(k.inner_pad || pg_catalog.convert_to(pg_catalog.left(t, -65), 'UTF8'))), 'hex') = pg_catalog.right(t, 64)
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" > pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 0)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" <= pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 360000)::text, 16, '0')
$fn$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION beep.current_role() TO PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION beep.current_org_id_for(VARIADIC roles text[])
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT NULLIF(pg_catalog.split_part(t, ':', 2), '')
  FROM (SELECT pg_catalog.current_setting('beep.context', true) AS t) AS ticket, beep_private.context_key AS k
  WHERE k.id = 1
    AND pg_catalog.encode(pg_catalog.sha256(k.outer_pad || pg_catalog.sha256(k.inner_pad || pg_catalog.convert_to(pg_catalog.left(t, -65), 'UTF8'))), 'hex') = pg_catalog.right(t, 64)
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" > pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 0)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" <= pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 360000)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 4) = ANY (roles)
$fn$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION beep.current_org_id_for(text[]) TO PUBLIC;
--> statement-breakpoint
DROP FUNCTION IF EXISTS beep.enter_tenant(text, text);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION beep.enter_tenant(organization_id text, user_id text DEFAULT NULL, role text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  body text;
  k record;
BEGIN
  IF organization_id IS NULL OR organization_id = '' OR organization_id ~ '[:]' OR coalesce(user_id, '') ~ '[:]' OR coalesce(role, '') ~ '[:]' THEN
    RAISE EXCEPTION 'enter_tenant: invalid organization, user or role' USING ERRCODE = '22023';
  END IF;
  SELECT inner_pad, outer_pad INTO k FROM beep_private.context_key WHERE id = 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'enter_tenant: no context key: run db:migrate with BEEP_CONTEXT_KEY' USING ERRCODE = '55000';
  END IF;
  body := 'v1:' || organization_id || ':' || coalesce(user_id, '') || ':' || coalesce(role, '') || ':' ||
    lpad(((date_part('epoch', now()) * 1000)::bigint + 60000)::text, 16, '0');
  PERFORM set_config('beep.context', body || ':' || encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(body, 'UTF8'))), 'hex'), true);
  RETURN organization_id;
END
$fn$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION beep.enter_tenant(text, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION beep.enter_tenant(text, text, text) TO "beep_admin";
