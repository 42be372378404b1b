-- Written by db:generate from @beep/shared-tables ContextTicket: the check functions in PL/pgSQL, and beep.current_user_id_for(roles).
CREATE OR REPLACE FUNCTION beep.current_org_id()
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t text := pg_catalog.current_setting('beep.context', true);
  ipad bytea;
  opad bytea;
BEGIN
  SELECT k.inner_pad, k.outer_pad INTO ipad, opad FROM beep_private.context_key AS k WHERE k.id = 1;
  IF pg_catalog.encode(pg_catalog.sha256(opad || pg_catalog.sha256(ipad || pg_catalog.convert_to(pg_catalog.left(t, -65), 'UTF8'))), 'hex') = pg_catalog.right(t, 64)
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" > pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 0)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" <= pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 360000)::text, 16, '0') THEN
    RETURN NULLIF(pg_catalog.split_part(t, ':', 2), '');
  END IF;
  RETURN NULL;
END
$fn$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION beep.current_user_id()
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t text := pg_catalog.current_setting('beep.context', true);
  ipad bytea;
  opad bytea;
BEGIN
  SELECT k.inner_pad, k.outer_pad INTO ipad, opad FROM beep_private.context_key AS k WHERE k.id = 1;
  IF pg_catalog.encode(pg_catalog.sha256(opad || pg_catalog.sha256(ipad || pg_catalog.convert_to(pg_catalog.left(t, -65), 'UTF8'))), 'hex') = pg_catalog.right(t, 64)
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" > pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 0)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" <= pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 360000)::text, 16, '0') THEN
    RETURN NULLIF(pg_catalog.split_part(t, ':', 3), '');
  END IF;
  RETURN NULL;
END
$fn$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION beep.current_role()
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t text := pg_catalog.current_setting('beep.context', true);
  ipad bytea;
  opad bytea;
BEGIN
  SELECT k.inner_pad, k.outer_pad INTO ipad, opad FROM beep_private.context_key AS k WHERE k.id = 1;
  IF pg_catalog.encode(pg_catalog.sha256(opad || pg_catalog.sha256(ipad || pg_catalog.convert_to(pg_catalog.left(t, -65), 'UTF8'))), 'hex') = pg_catalog.right(t, 64)
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" > pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 0)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" <= pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 360000)::text, 16, '0') THEN
    RETURN NULLIF(pg_catalog.split_part(t, ':', 4), '');
  END IF;
  RETURN NULL;
END
$fn$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION beep.current_org_id_for(VARIADIC roles text[])
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t text := pg_catalog.current_setting('beep.context', true);
  ipad bytea;
  opad bytea;
BEGIN
  SELECT k.inner_pad, k.outer_pad INTO ipad, opad FROM beep_private.context_key AS k WHERE k.id = 1;
  IF pg_catalog.encode(pg_catalog.sha256(opad || pg_catalog.sha256(ipad || pg_catalog.convert_to(pg_catalog.left(t, -65), 'UTF8'))), 'hex') = pg_catalog.right(t, 64)
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" > pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 0)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" <= pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 360000)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 4) = ANY (roles) THEN
    RETURN NULLIF(pg_catalog.split_part(t, ':', 2), '');
  END IF;
  RETURN NULL;
END
$fn$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION beep.current_user_id_for(VARIADIC roles text[])
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t text := pg_catalog.current_setting('beep.context', true);
  ipad bytea;
  opad bytea;
BEGIN
  SELECT k.inner_pad, k.outer_pad INTO ipad, opad FROM beep_private.context_key AS k WHERE k.id = 1;
  IF pg_catalog.encode(pg_catalog.sha256(opad || pg_catalog.sha256(ipad || pg_catalog.convert_to(pg_catalog.left(t, -65), 'UTF8'))), 'hex') = pg_catalog.right(t, 64)
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" > pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 0)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" <= pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 360000)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 4) = ANY (roles) THEN
    RETURN NULLIF(pg_catalog.split_part(t, ':', 3), '');
  END IF;
  RETURN NULL;
END
$fn$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION beep.current_user_id_for(text[]) TO PUBLIC;
