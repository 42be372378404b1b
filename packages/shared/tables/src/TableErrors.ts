import { Data } from "effect";

/** A table's own policy took a name that belongs to the tenant isolation. */
export class ReservedPolicyName extends Data.TaggedError("ReservedPolicyName")<{
  readonly table: string;
  readonly policy: string;
}> {
  override get message() {
    return `Table "${this.table}": policy "${this.policy}" uses a name reserved for tenant isolation; choose another name`;
  }
}

/** A key or column definition that would let one tenant's rows collide with, or point at, another's. */
export class UnsafeTenantKey extends Data.TaggedError("UnsafeTenantKey")<{
  readonly table: string;
  readonly detail: string;
}> {
  override get message() {
    return `Table "${this.table}": ${this.detail}`;
  }
}

/** A column whose SQL name is one the factory defines itself. */
export class DefaultColumnRedefined extends Data.TaggedError("DefaultColumnRedefined")<{
  readonly table: string;
  readonly column: string;
}> {
  override get message() {
    return `Table "${this.table}": column "${this.column}" is defined by the table factory and cannot be redefined`;
  }
}

/**
 * A foreign key from a tenant table to another tenant table without `organization_id` on both sides: foreign-key
 * checks ignore RLS, so it could point at another tenant's row (and PostgreSQL refuses it at migration, the target's
 * key being `(organization_id, id)`).
 */
export class PlainTenantReference extends Data.TaggedError("PlainTenantReference")<{
  readonly table: string;
  /** The referencing columns, as the table's keys (`t.documentId`), or the SQL name when no key holds it. */
  readonly columns: ReadonlyArray<string>;
  readonly target: string;
  readonly foreignColumns: ReadonlyArray<string>;
}> {
  override get message() {
    const own = this.columns.map((column) => `t.${column}`).join(", ");
    const foreign = this.foreignColumns.map((column) => `${this.target}.${column}`).join(", ");
    return `Table "${this.table}": the foreign key (${own}) -> ${this.target} does not include organization_id on both sides, so it could point at another tenant's row; use OrgTable.reference(t, { columns: [${own}], foreignColumns: [${foreign}] })`;
  }
}

/** A foreign key whose target is not defined yet when the table is (a self-reference through `.references`). */
export class UnresolvedReference extends Data.TaggedError("UnresolvedReference")<{
  readonly table: string;
  readonly cause: unknown;
}> {
  override get message() {
    return `Table "${this.table}": a foreign key names a table that is not defined yet, so it cannot be checked; a tenant table references itself with OrgTable.reference(t, { columns: [...], foreignColumns: [t.id] }) in extraConfig, and a global table it references must be defined first`;
  }
}

/** A `rlsPolicy: "none"` table without a written reason, or opt-out options on a table that does not opt out. */
export class UndeclaredOptOut extends Data.TaggedError("UndeclaredOptOut")<{
  readonly table: string;
  readonly detail: string;
}> {
  override get message() {
    return `Table "${this.table}": ${this.detail}`;
  }
}
