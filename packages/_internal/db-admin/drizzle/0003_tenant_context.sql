-- Written by db:generate from @beep/shared-tables ContextTicket and src/Roles.ts: the signed tenant context and the runtime role's limits.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'beep_app') THEN
    CREATE ROLE "beep_app" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  ELSIF EXISTS (
    SELECT 1 FROM pg_roles WHERE rolname = 'beep_app'
      AND (NOT rolcanlogin OR rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole)
  ) THEN
    ALTER ROLE "beep_app" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION
  -- Another database's migration created it a moment ago.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'beep_admin') THEN
    CREATE ROLE "beep_admin" NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;
  ELSIF EXISTS (
    SELECT 1 FROM pg_roles WHERE rolname = 'beep_admin'
      AND (rolcanlogin OR rolsuper OR NOT rolbypassrls OR rolcreatedb OR rolcreaterole)
  ) THEN
    ALTER ROLE "beep_admin" NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION
  -- Another database's migration created it a moment ago.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO "beep_app", "beep_admin";
--> statement-breakpoint
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY, CREATE ON DATABASE %I FROM PUBLIC, "beep_app"', current_database());
END
$$;
--> statement-breakpoint
REVOKE CREATE ON SCHEMA public FROM PUBLIC, "beep_app";
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS beep;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS beep_private;
--> statement-breakpoint
REVOKE ALL ON SCHEMA beep_private FROM PUBLIC;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS beep_private.context_key (
	id integer PRIMARY KEY CHECK (id = 1),
	inner_pad bytea NOT NULL CHECK (length(inner_pad) = 64),
	outer_pad bytea NOT NULL CHECK (length(outer_pad) = 64),
	updated_at timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
REVOKE ALL ON TABLE beep_private.context_key FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION beep.current_org_id()
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
$fn$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION beep.current_user_id()
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT NULLIF(pg_catalog.split_part(t, ':', 3), '')
  FROM (SELECT pg_catalog.current_setting('beep.context', true) AS t) AS ticket, beep_private.context_key AS k
  WHERE k.id = 1
    AND pg_catalog.encode(pg_catalog.sha256(k.outer_pad || pg_catalog.sha256(k.inner_pad || pg_catalog.convert_to(pg_catalog.left(t, -65), 'UTF8'))), 'hex') = pg_catalog.right(t, 64)
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" > pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 0)::text, 16, '0')
    AND pg_catalog.split_part(t, ':', 5) COLLATE "C" <= pg_catalog.lpad(((pg_catalog.date_part('epoch', pg_catalog.now()) * 1000)::bigint + 360000)::text, 16, '0')
$fn$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION beep.enter_tenant(organization_id text, user_id text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  body text;
  k record;
BEGIN
  IF organization_id IS NULL OR organization_id = '' OR organization_id ~ '[:]' OR coalesce(user_id, '') ~ '[:]' THEN
    RAISE EXCEPTION 'enter_tenant: invalid organization or user id' USING ERRCODE = '22023';
  END IF;
  SELECT inner_pad, outer_pad INTO k FROM beep_private.context_key WHERE id = 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'enter_tenant: no context key: run db:migrate with BEEP_CONTEXT_KEY' USING ERRCODE = '55000';
  END IF;
  body := 'v1:' || organization_id || ':' || coalesce(user_id, '') || '::' ||
    lpad(((date_part('epoch', now()) * 1000)::bigint + 60000)::text, 16, '0');
  PERFORM set_config('beep.context', body || ':' || encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(body, 'UTF8'))), 'hex'), true);
  RETURN organization_id;
END
$fn$;
--> statement-breakpoint
REVOKE ALL ON SCHEMA beep FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA beep TO PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION beep.current_org_id() TO PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION beep.current_user_id() TO PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION beep.enter_tenant(text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION beep.enter_tenant(text, text) TO "beep_admin";
--> statement-breakpoint
GRANT USAGE ON SCHEMA beep_private TO "beep_admin";
--> statement-breakpoint
GRANT SELECT ON TABLE beep_private.context_key TO "beep_admin";
