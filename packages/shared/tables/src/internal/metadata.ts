import type { RlsMode } from "../TenantPolicy.ts";

/** A table privilege the runtime role (`beep_app`) can be granted. */
export type AppPrivilege = "SELECT" | "INSERT" | "UPDATE" | "DELETE";

export const APP_PRIVILEGES: ReadonlyArray<AppPrivilege> = ["SELECT", "INSERT", "UPDATE", "DELETE"];

/** What the factory knows about a table it made. */
export interface Metadata {
  readonly tableName: string;
  readonly rlsPolicy: RlsMode;
  /** `none` only: why the table has no row-level security. */
  readonly reason?: string;
  /** `none` only: what the runtime role may do on the table (nothing when absent). */
  readonly appPrivileges?: ReadonlyArray<AppPrivilege>;
  /** Where a person's role in an organization is recorded (`OrgTable.make`'s `userColumn` and `roleColumn`). */
  readonly roleSource?: { readonly userColumn: string; readonly roleColumn: string };
}

export const MetadataKey = Symbol.for("@beep/shared-tables/OrgTable");

/** The factory's metadata of a table, or undefined when the table was not made by `OrgTable.make`. */
export const metadata = (table: object): Metadata | undefined => (table as { [MetadataKey]?: Metadata })[MetadataKey];
