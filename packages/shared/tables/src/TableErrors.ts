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
