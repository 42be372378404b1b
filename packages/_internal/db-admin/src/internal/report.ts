/** The shape of `db:verify`'s report, shared by its checks of one database and of a Citus cluster. */

export type ProblemCode =
  | "rls-disabled"
  | "rls-not-forced"
  | "partition-rls"
  | "exemption-without-reason"
  | "policy-missing"
  | "policy-differs"
  | "policy-undeclared"
  | "policy-invalid"
  | "unbounded-permissive"
  | "unique-without-organization"
  | "view-not-security-invoker"
  | "materialized-view-over-tenant"
  | "definer-search-path"
  | "role-missing"
  | "role-superuser"
  | "role-bypassrls"
  | "role-owns-relations"
  | "role-privileged-membership"
  | "app-temporary"
  | "app-create-database"
  | "app-create-schema"
  | "app-role-settings"
  | "app-executes-definer"
  | "check-function-missing"
  | "check-function-not-definer"
  | "check-function-not-stable"
  | "check-function-search-path"
  | "context-key-missing"
  | "context-key-readable"
  | "enter-tenant-executable"
  | "distribution-differs"
  | "not-colocated"
  | "shard-differs"
  | "worker-context-key-missing"
  | "worker-context-key-differs"
  | "migrations-missing"
  | "migrations-unknown"
  | "table-missing";

export interface Problem {
  readonly code: ProblemCode;
  readonly message: string;
}

/**
 * `check` rows are database-wide checks of the runtime role and the signed tenant context, not one object;
 * `distribution` rows (on Citus only) are how the cluster holds one table and its shard placements.
 */
export type SubjectKind = "table" | "partition" | "view" | "function" | "role" | "check" | "distribution";

export interface Subject {
  readonly kind: SubjectKind;
  readonly name: string;
  readonly status: "ok" | "FAIL";
  readonly problems: ReadonlyArray<Problem>;
}

export interface Report {
  readonly ok: boolean;
  readonly subjects: ReadonlyArray<Subject>;
}

export const subject = (kind: SubjectKind, name: string, problems: ReadonlyArray<Problem>): Subject => ({
  kind,
  name,
  status: problems.length === 0 ? "ok" : "FAIL",
  problems,
});

export const problem = (code: ProblemCode, message: string): Problem => ({ code, message });

export const reportOf = (subjects: ReadonlyArray<Subject>): Report => ({
  ok: subjects.every((entry) => entry.status === "ok"),
  subjects,
});
