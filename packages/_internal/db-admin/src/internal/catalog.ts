import type postgres from "postgres";
import { type Command, createSql, type DeclaredPolicy } from "./declaredPolicies.ts";

/** What `Verify` reads from PostgreSQL's catalogs, as plain data. */

export interface Table {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  /** `name` for the public schema, `schema.name` elsewhere. */
  readonly display: string;
  readonly rlsEnabled: boolean;
  readonly rlsForced: boolean;
  readonly parentOid: number | null;
  readonly hasOrganizationId: boolean;
}

export interface Policy {
  readonly name: string;
  readonly permissive: boolean;
  readonly command: Command;
  readonly roles: ReadonlyArray<string>;
  readonly using: string | null;
  readonly withCheck: string | null;
}

export interface UniqueIndex {
  readonly tableOid: number;
  readonly name: string;
  readonly includesOrganizationId: boolean;
}

export interface View {
  readonly oid: number;
  readonly display: string;
  readonly materialized: boolean;
  readonly securityInvoker: boolean;
  readonly dependsOn: ReadonlyArray<number>;
}

export interface DefinerFunction {
  readonly display: string;
  /** The pinned `search_path`, or null when the function does not set one. */
  readonly searchPath: string | null;
}

export interface Role {
  readonly name: string;
  readonly exists: boolean;
  readonly superuser: boolean;
  readonly bypassRls: boolean;
  readonly ownedRelations: ReadonlyArray<string>;
  /** Superuser or BYPASSRLS roles it can act as through membership. */
  readonly privilegedMemberships: ReadonlyArray<string>;
}

/** What the runtime role can do beyond its table grants; all empty or false when the role does not exist. */
export interface AppReach {
  readonly database: string;
  /** TEMPORARY and CREATE on the current database. */
  readonly temporary: boolean;
  readonly createOnDatabase: boolean;
  /** Every schema of the database it may CREATE in. */
  readonly createOnSchemas: ReadonlyArray<string>;
  /** Its pg_db_role_setting entries for this database (`database` set) or for every database (null). */
  readonly settings: ReadonlyArray<{ readonly database: string | null; readonly setting: string }>;
  /** The SECURITY DEFINER functions it may execute, as regprocedure text with every schema named. */
  readonly executableDefiners: ReadonlyArray<string>;
  readonly privateSchemaUsage: boolean;
  /** SELECT on the key table or on any of its columns. */
  readonly contextKeySelect: boolean;
  /** Every overload of `enter_tenant` it may execute, as regprocedure text (a version left from an older migration too). */
  readonly enterTenantExecutable: ReadonlyArray<string>;
}

export interface CheckFunction {
  /** As listed in `TenantContext.CHECK_FUNCTIONS`. */
  readonly name: string;
  /**
   * As PostgreSQL prints it (regprocedure text), when it exists: a name that is a keyword comes quoted
   * (`beep."current_role"()`), and that is how the functions a role can execute are listed.
   */
  readonly printed: string | null;
  readonly exists: boolean;
  readonly securityDefiner: boolean;
  readonly stable: boolean;
  readonly searchPath: string | null;
}

export interface ContextKey {
  /** `schema.table`. */
  readonly table: string;
  readonly tableExists: boolean;
  readonly rows: number;
}

/** The signed tenant context's catalog state, and what the runtime role can reach around it. */
export interface Hardening {
  readonly app: AppReach;
  readonly checkFunctions: ReadonlyArray<CheckFunction>;
  readonly contextKey: ContextKey;
}

export interface Catalog {
  readonly tables: ReadonlyArray<Table>;
  readonly policies: ReadonlyMap<number, ReadonlyArray<Policy>>;
  readonly uniqueIndexes: ReadonlyArray<UniqueIndex>;
  readonly views: ReadonlyArray<View>;
  readonly definerFunctions: ReadonlyArray<DefinerFunction>;
  readonly appRole: Role;
}

// User schemas only: never the system catalogs, TOAST or another session's temporary tables.
const USER_SCHEMA = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp_)'`;

const COMMANDS: Readonly<Record<string, Command>> = { "*": "all", r: "select", a: "insert", w: "update", d: "delete" };

const POLICY_COLUMNS = `pol.polname as name, pol.polpermissive as permissive, pol.polcmd as command,
  case when 0 = any(pol.polroles) then array['public']
       else array(select rolname::text from pg_roles where oid = any(pol.polroles) order by 1) end as roles,
  pg_get_expr(pol.polqual, pol.polrelid) as using, pg_get_expr(pol.polwithcheck, pol.polrelid) as with_check`;

const toPolicy = (row: postgres.Row): Policy => ({
  name: row.name,
  permissive: row.permissive,
  command: COMMANDS[row.command] ?? "all",
  roles: row.roles,
  using: row.using,
  withCheck: row.with_check,
});

const isOn = (option: string) => /^security_invoker=(true|on|yes|1)$/i.test(option);

export const read = async (sql: postgres.Sql, appRole: string): Promise<Catalog> => {
  const tables = await sql.unsafe(`select c.oid::int as oid, n.nspname as schema, c.relname as name,
      c.relrowsecurity as rls_enabled, c.relforcerowsecurity as rls_forced,
      (select i.inhparent::int from pg_inherits i where i.inhrelid = c.oid and c.relispartition) as parent_oid,
      exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'organization_id'
        and not a.attisdropped) as has_organization_id
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and ${USER_SCHEMA}
    order by n.nspname <> 'public', n.nspname, c.relname`);
  const policies = await sql.unsafe(`select pol.polrelid::int as table_oid, ${POLICY_COLUMNS}
    from pg_policy pol order by pol.polname`);
  const uniqueIndexes = await sql.unsafe(`select i.indrelid::int as table_oid, ic.relname as name,
      exists (select 1 from generate_series(0, i.indnkeyatts - 1) k join pg_attribute a
        on a.attrelid = i.indrelid and a.attnum = i.indkey[k] and a.attname = 'organization_id') as includes_org
    from pg_index i join pg_class ic on ic.oid = i.indexrelid
    where i.indisunique order by ic.relname`);
  const views = await sql.unsafe(`select c.oid::int as oid, n.nspname as schema, c.relname as name,
      c.relkind = 'm' as materialized, coalesce(c.reloptions, '{}') as options,
      array(select distinct d.refobjid::int from pg_rewrite r
        join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
          and d.refclassid = 'pg_class'::regclass and d.refobjid <> c.oid
        where r.ev_class = c.oid) as depends_on
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('v', 'm') and ${USER_SCHEMA} order by c.relname`);
  const functions = await sql.unsafe(`select n.nspname as schema, p.proname as name,
      pg_get_function_identity_arguments(p.oid) as args,
      (select substr(setting, length('search_path=') + 1) from unnest(p.proconfig) setting
        where setting like 'search_path=%') as search_path
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where p.prosecdef and ${USER_SCHEMA}
      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid
        and d.deptype = 'e')
    order by p.proname`);
  const [role] = await sql`select r.rolname as name, r.rolsuper as superuser, r.rolbypassrls as bypass_rls,
      array(select c.relname::text from pg_class c where c.relowner = r.oid
        and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f') order by 1) as owned,
      array(select p.rolname::text from pg_roles p where p.oid <> r.oid and (p.rolsuper or p.rolbypassrls)
        and pg_has_role(r.oid, p.oid, 'MEMBER') order by 1) as memberships
    from pg_roles r where r.rolname = ${appRole}`;

  const display = (schema: string, name: string) => (schema === "public" ? name : `${schema}.${name}`);
  const policiesByTable = new Map<number, Array<Policy>>();
  for (const row of policies) {
    const list = policiesByTable.get(row.table_oid) ?? [];
    list.push(toPolicy(row));
    policiesByTable.set(row.table_oid, list);
  }
  return {
    tables: tables.map((row) => ({
      oid: row.oid,
      schema: row.schema,
      name: row.name,
      display: display(row.schema, row.name),
      rlsEnabled: row.rls_enabled,
      rlsForced: row.rls_forced,
      parentOid: row.parent_oid,
      hasOrganizationId: row.has_organization_id,
    })),
    policies: policiesByTable,
    uniqueIndexes: uniqueIndexes.map((row) => ({
      tableOid: row.table_oid,
      name: row.name,
      includesOrganizationId: row.includes_org,
    })),
    views: views.map((row) => ({
      oid: row.oid,
      display: display(row.schema, row.name),
      materialized: row.materialized,
      securityInvoker: (row.options as Array<string>).some(isOn),
      dependsOn: row.depends_on,
    })),
    definerFunctions: functions.map((row) => ({
      display: `${display(row.schema, row.name)}(${row.args})`,
      searchPath: row.search_path,
    })),
    appRole:
      role === undefined
        ? {
            name: appRole,
            exists: false,
            superuser: false,
            bypassRls: false,
            ownedRelations: [],
            privilegedMemberships: [],
          }
        : {
            name: appRole,
            exists: true,
            superuser: role.superuser,
            bypassRls: role.bypass_rls,
            ownedRelations: role.owned,
            privilegedMemberships: role.memberships,
          },
  };
};

const describeClause = (value: string | null) => (value === null ? "none" : `(${value})`);

const roleList = (roles: ReadonlyArray<string>) => [...roles].sort().join(", ");

/** Differences between a live policy and the declared one, both as PostgreSQL prints them. */
export const policyDifferences = (live: Policy, declared: Policy): ReadonlyArray<string> => [
  ...(live.permissive === declared.permissive
    ? []
    : [
        `is ${live.permissive ? "PERMISSIVE" : "RESTRICTIVE"}, declared ${declared.permissive ? "PERMISSIVE" : "RESTRICTIVE"}`,
      ]),
  ...(live.command === declared.command
    ? []
    : [`is FOR ${live.command.toUpperCase()}, declared FOR ${declared.command.toUpperCase()}`]),
  ...(roleList(live.roles) === roleList(declared.roles)
    ? []
    : [`is TO ${roleList(live.roles)}, declared TO ${roleList(declared.roles)}`]),
  ...(live.using === declared.using
    ? []
    : [`USING is ${describeClause(live.using)}, declared ${describeClause(declared.using)}`]),
  ...(live.withCheck === declared.withCheck
    ? []
    : [`WITH CHECK is ${describeClause(live.withCheck)}, declared ${describeClause(declared.withCheck)}`]),
];

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/**
 * The declared policies as PostgreSQL itself stores them: created on a temporary copy of the table (same
 * name, same columns) inside a transaction that is rolled back, then read back with pg_get_expr. Comparing
 * that with the live policies needs no normalising of whitespace, casts or parentheses.
 */
export const canonicalPolicies = async (
  sql: postgres.Sql,
  table: Table,
  declared: ReadonlyArray<DeclaredPolicy>,
): Promise<{ readonly policies: ReadonlyArray<Policy> } | { readonly error: string }> => {
  const outcome = await sql
    .begin(async (tx) => {
      await tx.unsafe(`CREATE TEMP TABLE ${quote(table.name)} (LIKE ${quote(table.schema)}.${quote(table.name)})`);
      for (const policy of declared) await tx.unsafe(createSql(`pg_temp.${quote(table.name)}`, policy));
      const rows = await tx.unsafe(
        `select ${POLICY_COLUMNS} from pg_policy pol where pol.polrelid = $1::regclass order by pol.polname`,
        [`pg_temp.${quote(table.name)}`],
      );
      throw new Rollback(rows.map(toPolicy));
    })
    .catch((cause: unknown) => cause);
  if (outcome instanceof Rollback) return { policies: outcome.policies };
  return { error: outcome instanceof Error ? outcome.message : String(outcome) };
};

class Rollback {
  constructor(readonly policies: ReadonlyArray<Policy>) {}
}

export interface HardeningNames {
  readonly appRole: string;
  readonly checkFunctions: ReadonlyArray<string>;
  readonly privateSchema: string;
  /** The key table's name inside `privateSchema`. */
  readonly contextKeyTable: string;
  /** Schema-qualified name, e.g. `beep.enter_tenant`: every overload of it is checked. */
  readonly enterTenant: string;
}

/**
 * Reads with search_path pinned to pg_catalog, so every function outside it prints schema-qualified
 * (`public.f()`, `beep.current_org_id()`) and names resolve the same whatever the connecting role's settings.
 */
export const readHardening = (sql: postgres.Sql, names: HardeningNames): Promise<Hardening> =>
  sql.begin(async (tx) => {
    await tx.unsafe("SET LOCAL search_path = pg_catalog");
    const keyTable = `${quote(names.privateSchema)}.${quote(names.contextKeyTable)}`;
    // Left-joined to the role by name: a role that does not exist holds nothing (the has_*_privilege functions
    // return NULL for it), and its own row already reports it missing.
    const [reach] = await tx.unsafe(
      `select d.datname as database,
          coalesce(has_database_privilege(r.oid, d.oid, 'TEMPORARY'), false) as temporary,
          coalesce(has_database_privilege(r.oid, d.oid, 'CREATE'), false) as create,
          array(select n.nspname::text from pg_namespace n
            where has_schema_privilege(r.oid, n.oid, 'CREATE') order by 1) as create_schemas,
          coalesce((select json_agg(json_build_object('database', sd.datname, 'setting', c.setting)
              order by s.setdatabase, c.position)
            from pg_db_role_setting s left join pg_database sd on sd.oid = s.setdatabase,
              unnest(s.setconfig) with ordinality as c(setting, position)
            where s.setrole = r.oid and s.setdatabase in (0, d.oid)), '[]') as settings,
          array(select p.oid::regprocedure::text from pg_proc p
            where p.prosecdef and has_function_privilege(r.oid, p.oid, 'EXECUTE') order by 1) as definers,
          coalesce((select has_schema_privilege(r.oid, n.oid, 'USAGE') from pg_namespace n
            where n.nspname = $2), false) as private_usage,
          coalesce(has_any_column_privilege(r.oid, to_regclass($3), 'SELECT'), false) as key_select,
          array(select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = (parse_ident($4))[1] and p.proname = (parse_ident($4))[2]
              and has_function_privilege(r.oid, p.oid, 'EXECUTE') order by 1) as enter_tenant,
          to_regclass($3) is not null as key_exists
        from pg_database d left join pg_roles r on r.rolname = $1
        where d.datname = current_database()`,
      [names.appRole, names.privateSchema, keyTable, names.enterTenant],
    );
    const checkFunctions = await tx.unsafe(
      `select f.name, p.oid::regprocedure::text as printed, p.oid is not null as exists,
          coalesce(p.prosecdef, false) as security_definer,
          coalesce(p.provolatile = 's', false) as stable,
          (select substr(setting, length('search_path=') + 1) from unnest(p.proconfig) setting
            where setting like 'search_path=%') as search_path
        from unnest($1::text[]) with ordinality as f(name, position)
        left join pg_proc p on p.oid = to_regprocedure(f.name)
        order by f.position`,
      [names.checkFunctions],
    );
    const [key] = reach?.key_exists === true ? await tx.unsafe(`select count(*)::int as rows from ${keyTable}`) : [];
    return {
      app: {
        database: reach?.database,
        temporary: reach?.temporary,
        createOnDatabase: reach?.create,
        createOnSchemas: reach?.create_schemas,
        settings: reach?.settings,
        executableDefiners: reach?.definers,
        privateSchemaUsage: reach?.private_usage,
        contextKeySelect: reach?.key_select,
        enterTenantExecutable: reach?.enter_tenant ?? [],
      },
      checkFunctions: checkFunctions.map((row) => ({
        name: row.name,
        printed: row.printed,
        exists: row.exists,
        securityDefiner: row.security_definer,
        stable: row.stable,
        searchPath: row.search_path,
      })),
      contextKey: {
        table: `${names.privateSchema}.${names.contextKeyTable}`,
        tableExists: reach?.key_exists === true,
        rows: key?.rows ?? 0,
      },
    };
  }) as Promise<Hardening>;

/** A primary, unique or foreign key as PostgreSQL prints it (`pg_get_constraintdef`: columns in their order). */
export interface Key {
  readonly table: string;
  readonly name: string;
  readonly definition: string;
}

/** What one grantee may do on one table, privileges sorted (`SELECT, INSERT` as `INSERT, SELECT`). */
export interface Grant {
  readonly table: string;
  readonly grantee: string;
  readonly privileges: ReadonlyArray<string>;
}

/** The policies, keys and grants of every table but partitions (they follow their parent), keyed by table display. */
export interface Shape {
  readonly policies: ReadonlyArray<Policy & { readonly table: string }>;
  readonly keys: ReadonlyArray<Key>;
  readonly grants: ReadonlyArray<Grant>;
}

const TABLE_DISPLAY = `case when n.nspname = 'public' then c.relname::text else n.nspname || '.' || c.relname end`;
// Tables but partitions: they follow their parent, and `db:verify` checks that they do.
const SHAPE_TABLE = `c.relkind in ('r', 'p') and not c.relispartition and ${USER_SCHEMA}`;

/**
 * Read with search_path pinned to pg_catalog, as `readHardening` does, so names outside it print
 * schema-qualified the same whatever the connecting role's settings. The owner's own privileges are left out:
 * they are implicit, and the owner is whoever migrated.
 */
export const readShape = (sql: postgres.Sql): Promise<Shape> =>
  sql.begin(async (tx) => {
    await tx.unsafe("SET LOCAL search_path = pg_catalog");
    const policies = await tx.unsafe(`select ${TABLE_DISPLAY} as table, ${POLICY_COLUMNS}
      from pg_policy pol join pg_class c on c.oid = pol.polrelid join pg_namespace n on n.oid = c.relnamespace
      where ${SHAPE_TABLE} order by 1, pol.polname`);
    const keys = await tx.unsafe(`select ${TABLE_DISPLAY} as table, k.conname as name,
        pg_get_constraintdef(k.oid) as definition
      from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      where k.contype in ('p', 'u', 'f') and ${SHAPE_TABLE} order by 1, 2`);
    const grants = await tx.unsafe(`select ${TABLE_DISPLAY} as table,
        case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee)::text end as grantee,
        array_agg(a.privilege_type::text order by a.privilege_type) as privileges
      from pg_class c join pg_namespace n on n.oid = c.relnamespace,
        aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
      where a.grantee <> c.relowner and ${SHAPE_TABLE}
      group by 1, 2 order by 1, 2`);
    return {
      policies: policies.map((row) => ({ ...toPolicy(row), table: row.table })),
      keys: keys.map((row) => ({ table: row.table, name: row.name, definition: row.definition })),
      grants: grants.map((row) => ({ table: row.table, grantee: row.grantee, privileges: row.privileges })),
    };
  }) as Promise<Shape>;
