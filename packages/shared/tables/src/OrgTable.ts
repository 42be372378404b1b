import type { EntityId, SharedEntityIds } from "@beep/shared-domain";
import { type BuildColumns, type BuildExtraConfigColumns, getTableName, is } from "drizzle-orm";
import {
  type AnyPgColumn,
  foreignKey,
  type PgColumnBuilderBase,
  PgPolicy,
  type PgTableExtraConfigValue,
  type PgTableWithColumns,
  pgTable,
  primaryKey,
  text,
} from "drizzle-orm/pg-core";
import { idColumn, type NoDefaultColumns, timestampColumns } from "./internal/columns.ts";
import { APP_PRIVILEGES, type AppPrivilege, type Metadata, MetadataKey, metadata } from "./internal/metadata.ts";
import {
  assertNoDefaultColumnNames,
  assertNoReservedPolicies,
  assertTenantReferences,
  assertTenantSafeKeys,
} from "./internal/validate.ts";
import { UndeclaredOptOut, UnsafeTenantKey } from "./TableErrors.ts";
import { currentOrgId } from "./TenantContext.ts";
import { drizzlePolicies, type RlsMode, toDrizzle } from "./TenantPolicy.ts";
import * as TenantRole from "./TenantRole.ts";
import { organization } from "./tables/organization.ts";

export type { AppPrivilege, Metadata } from "./internal/metadata.ts";
export { APP_PRIVILEGES, metadata } from "./internal/metadata.ts";
export type { RlsMode } from "./TenantPolicy.ts";

interface ModeOptions<M extends RlsMode> {
  /** Default `"standard"`. */
  readonly rlsPolicy?: M;
  /** `standard` only: the column naming a user who may also read the row in their own context (`TenantPolicy`). */
  readonly userColumn?: string;
  /**
   * With `userColumn`: the column holding the role that user has in the organization. The table is then where a
   * person's role comes from: `beep.assume_role()` re-signs a role-less context with it, in the database
   * (`ContextTicket.assumeRoleStatements`). One table of the product at most.
   */
  readonly roleColumn?: string;
}

/** An opt-out is written down where the table is: why it has no RLS, and what the runtime role may do on it. */
interface OptOutOptions {
  /** Why the table has no row-level security (kept in its metadata, read by `db:verify`); required. */
  readonly reason: string;
  /** What `beep_app` may do on the table; without it the runtime role gets no grant at all. */
  readonly appPrivileges?: ReadonlyArray<AppPrivilege>;
}

/** `rlsPolicy: "none"` requires `reason`; the other modes take neither `reason` nor `appPrivileges`. */
export type Options<M extends RlsMode> = ModeOptions<M> &
  ([M] extends ["none"] ? OptOutOptions : { readonly reason?: never; readonly appPrivileges?: never });

// Inside a tenant transaction the organization may be omitted: it defaults to the context. Shared rows of a
// `nullable` table have one too: `TenantContext.SHARED_ORGANIZATION_ID`.
const organizationIdColumn = () =>
  text("organization_id")
    .$type<SharedEntityIds.OrganizationId>()
    .notNull()
    .default(currentOrgId())
    .references(() => organization.id, { onDelete: "cascade" });

/** The same in every mode. */
export type DefaultColumns<T extends string> = {
  id: ReturnType<typeof idColumn<T>>;
  organizationId: ReturnType<typeof organizationIdColumn>;
} & ReturnType<typeof timestampColumns>;

/** A table made by `make`; its columns are the same in every mode (`_M` keeps the mode in the type). */
export type OrgTable<
  T extends string,
  _M extends RlsMode,
  C extends Record<string, PgColumnBuilderBase>,
> = PgTableWithColumns<{
  name: T;
  schema: undefined;
  columns: BuildColumns<T, DefaultColumns<T> & C, "pg">;
  dialect: "pg";
}>;

/**
 * A tenant table: `id`, `organization_id`, `created_at`, `updated_at`, tenant-safe keys,
 * the `tenant_isolation_<table>` policy and RLS, all from one call.
 */
export const make =
  <const T extends string, const M extends RlsMode = "standard">(
    entityId: EntityId.EntityId<T>,
    options?: Options<M>,
  ) =>
  <C extends Record<string, PgColumnBuilderBase>>(
    columns: C & NoDefaultColumns<C>,
    extraConfig?: (self: BuildExtraConfigColumns<T, DefaultColumns<T> & C, "pg">) => PgTableExtraConfigValue[],
  ): OrgTable<T, M, C> => {
    const name = entityId.tableName;
    const mode: RlsMode = options?.rlsPolicy ?? "standard";
    assertNoDefaultColumnNames(name, columns);
    const named = (wanted: string) =>
      Object.values(columns).some(
        (column) => (column as unknown as { config?: { name?: string } }).config?.name === wanted,
      );
    if (options?.userColumn !== undefined && (mode !== "standard" || !named(options.userColumn))) {
      throw new UnsafeTenantKey({
        table: name,
        detail: `userColumn "${options.userColumn}": a column of a standard table`,
      });
    }
    if (options?.roleColumn !== undefined && (options.userColumn === undefined || !named(options.roleColumn))) {
      throw new UnsafeTenantKey({
        table: name,
        detail: `roleColumn "${options.roleColumn}": a column of a table with a userColumn`,
      });
    }
    const defaults = {
      id: idColumn(entityId),
      organizationId: organizationIdColumn(),
      ...timestampColumns(),
    };
    const table = pgTableOf(name, { ...defaults, ...columns }, (self: any) => {
      const own = extraConfig?.(self) ?? [];
      assertNoReservedPolicies(name, own);
      const permissive = own.filter(
        (value): value is PgPolicy => is(value, PgPolicy) && (value.as ?? "permissive") === "permissive",
      );
      const roles = admittedRoles(permissive);
      return [
        primaryKey({ name: `${name}_pkey`, columns: [self.organizationId, self.id] }),
        ...own,
        ...drizzlePolicies(name, mode, {
          baseline: permissive.length === 0,
          ...(roles === undefined ? {} : { roles }),
          ...(options?.userColumn === undefined ? {} : { userColumn: options.userColumn }),
        }),
      ];
    });
    if (mode !== "none") table.enableRLS();
    Object.defineProperty(table, MetadataKey, { value: metadataOf(name, mode, options) });
    // Evaluate extraConfig now, so a bad definition fails where the table is defined.
    assertTenantSafeKeys(table, name, 1);
    assertTenantReferences(table, name);
    return table as unknown as OrgTable<T, M, C>;
  };

/** The metadata of a table being made; an opt-out without a reason, or opt-out options elsewhere, are refused. */
const metadataOf = (tableName: string, mode: RlsMode, options: ModeOptions<RlsMode> | undefined): Metadata => {
  const { reason, appPrivileges } = (options ?? {}) as Partial<OptOutOptions>;
  if (mode !== "none") {
    if (reason !== undefined || appPrivileges !== undefined) {
      throw new UndeclaredOptOut({
        table: tableName,
        detail: `reason and appPrivileges belong to rlsPolicy "none" tables; a ${mode} table is isolated by RLS`,
      });
    }
    const { userColumn, roleColumn } = options ?? {};
    return {
      tableName,
      rlsPolicy: mode,
      ...(userColumn !== undefined && roleColumn !== undefined ? { roleSource: { userColumn, roleColumn } } : {}),
    };
  }
  if (typeof reason !== "string" || reason.trim() === "") {
    throw new UndeclaredOptOut({
      table: tableName,
      detail: 'rlsPolicy "none" needs a reason: OrgTable.make(id, { rlsPolicy: "none", reason: "why no RLS" })',
    });
  }
  const unknown = (appPrivileges ?? []).filter((privilege) => !APP_PRIVILEGES.includes(privilege));
  if (unknown.length > 0) {
    throw new UndeclaredOptOut({ table: tableName, detail: `appPrivileges: unknown ${unknown.join(", ")}` });
  }
  return {
    tableName,
    rlsPolicy: mode,
    reason: reason.trim(),
    ...(appPrivileges === undefined ? {} : { appPrivileges: [...new Set(appPrivileges)] }),
  };
};

// pgTable's overloads are too generic for the merged column map; the public type is restored by `make`.
const pgTableOf = pgTable as unknown as (
  name: string,
  columns: Record<string, PgColumnBuilderBase>,
  extraConfig: (self: any) => PgTableExtraConfigValue[],
) => PgTableWithColumns<any>;

export interface ReferenceConfig {
  /** Referencing columns, without `organization_id` (it is added first). */
  readonly columns: ReadonlyArray<AnyPgColumn>;
  /** Referenced columns of one tenant table, without `organization_id`. */
  readonly foreignColumns: ReadonlyArray<AnyPgColumn>;
  readonly name?: string;
}

/**
 * A composite foreign key that includes `organization_id` on both sides, so a row can only
 * reference a row of its own organization. (Foreign-key checks ignore RLS; this is what stops them.)
 */
export const reference = (self: { organizationId: AnyPgColumn }, config: ReferenceConfig) => {
  const first = config.foreignColumns[0];
  if (first === undefined || config.columns.length !== config.foreignColumns.length) {
    throw new UnsafeTenantKey({ table: "?", detail: "reference needs matching, non-empty column lists" });
  }
  const source = getTableName(self.organizationId.table);
  const target = first.table as unknown as { organizationId?: AnyPgColumn };
  const targetMeta = metadata(first.table);
  if (target.organizationId === undefined || targetMeta === undefined || targetMeta.rlsPolicy === "nullable") {
    throw new UnsafeTenantKey({
      table: source,
      detail: `reference to "${getTableName(first.table)}": the target must be a standard or none OrgTable`,
    });
  }
  const columnNames = config.columns.map((column) => column.name).join("_");
  return foreignKey({
    name: config.name ?? `${source}_${columnNames}_fk`,
    columns: [self.organizationId, ...config.columns] as [AnyPgColumn, ...AnyPgColumn[]],
    foreignColumns: [target.organizationId, ...config.foreignColumns] as [AnyPgColumn, ...AnyPgColumn[]],
  });
};

/**
 * What each role may do on the table, as permissive policies bounded by the tenant policy: the one line a table
 * adds to its extraConfig, e.g. `...OrgTable.roles(t, TenantRole.authored(t.authorId))`. Without grants a table
 * keeps the baseline (every context of the tenant may do everything); with them, what no grant allows is refused.
 */
export const roles = (
  self: { organizationId: AnyPgColumn },
  grants: ReadonlyArray<TenantRole.Grant>,
): Array<PgPolicy> => {
  const table = self.organizationId.table;
  // The factory sets a table's metadata before it first evaluates the extraConfig this runs in.
  const specs = TenantRole.specs(getTableName(table), grants, metadata(table)?.rlsPolicy ?? "standard");
  return specs.map((spec, index) => {
    const policy = toDrizzle(spec);
    const role = grants[index]?.to;
    if (role !== undefined) grantedTo.set(policy, role);
    return policy;
  });
};

/** The weakest role of each policy `roles` made from a grant naming one. */
const grantedTo = new WeakMap<PgPolicy, TenantRole.Role>();

/**
 * The roles a table's permissive policies admit, when every one is a grant naming a role: each admits that role and
 * the stronger ones, so together they admit the weakest's. Undefined when any admits other contexts (a grant without
 * a role, an invitee's, a policy written by hand) or there is none (the baseline admits every context).
 */
const admittedRoles = (permissive: ReadonlyArray<PgPolicy>): ReadonlyArray<TenantRole.Role> | undefined => {
  let weakest: TenantRole.Role | undefined;
  for (const policy of permissive) {
    const role = grantedTo.get(policy);
    if (role === undefined) return undefined;
    if (weakest === undefined || TenantRole.covers(weakest, role)) weakest = role;
  }
  return weakest === undefined ? undefined : TenantRole.atLeast(weakest);
};
