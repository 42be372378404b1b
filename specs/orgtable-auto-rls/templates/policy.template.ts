/**
 * The three isolation modes of `OrgTable.make`, as a copyable starting point. Type-checked by
 * `bun run check --filter @beep/specs` and loaded by `specs/test/PolicyTemplate.test.ts`, so it
 * cannot drift from the factory.
 *
 * In the product: ids go in `packages/shared/domain/src/<Slice>EntityIds.ts`, tables in
 * `packages/<slice>/tables/src/tables/<entity>.ts`, exported from that folder's `index.ts`.
 * Never add a `tenant_isolation_*` or `tenant_baseline_*` policy yourself: the factory owns them.
 */
import { EntityId } from "@beep/shared-domain";
import { OrgTable } from "@beep/shared-tables";
import { index, integer, text, unique } from "drizzle-orm/pg-core";

export const ProjectId = EntityId.make("example_project");
export const TaskId = EntityId.make("example_task");
export const CategoryId = EntityId.make("example_category");
export const ImportRunId = EntityId.make("example_import_run");

/**
 * `standard` (the default): every row belongs to exactly one organization, which alone reads and
 * writes it. Use it unless you have a reason not to. Key: `(organization_id, id)`.
 */
export const project = OrgTable.make(ProjectId)(
  { name: text("name").notNull() },
  // Unique keys include organization_id: two organizations may both have a project named "Roadmap".
  (t) => [unique("example_project_organization_id_name_unique").on(t.organizationId, t.name)],
);

/**
 * A reference to another tenant table: `OrgTable.reference` adds `organization_id` to both sides,
 * so a task can only point at a project of its own organization (foreign-key checks ignore RLS).
 */
export const task = OrgTable.make(TaskId)(
  {
    projectId: text("project_id").$type<EntityId.Type<typeof ProjectId>>().notNull(),
    position: integer("position").notNull(),
  },
  (t) => [
    OrgTable.reference(t, { columns: [t.projectId], foreignColumns: [project.id] }).onDelete("cascade"),
    index("example_task_organization_id_project_id_idx").on(t.organizationId, t.projectId),
  ],
);

/**
 * `nullable`: rows of the shared organization (`TenantContext.SHARED_ORGANIZATION_ID`) are shared rows,
 * read by every tenant and written by none (only an administrator, outside RLS, creates them); every
 * other row is private to its organization. Use it for catalogues with per-tenant additions. Keyed by
 * `(organization_id, id)` like `standard`; other tables cannot reference it. Unique keys that include
 * `organization_id` keep the shared rows' names unique among themselves.
 */
export const category = OrgTable.make(CategoryId, { rlsPolicy: "nullable" })(
  { label: text("label").notNull() },
  (t) => [unique("example_category_organization_id_label_unique").on(t.organizationId, t.label)],
);

/**
 * `none`: no RLS and no policy; the table is still keyed by organization. An explicit opt-out for
 * data that must be read across organizations by trusted code only (and never granted to the app
 * role without review). Say why in a comment, as here: import bookkeeping read by an operator job.
 */
export const importRun = OrgTable.make(ImportRunId, {
  rlsPolicy: "none",
  reason: "import bookkeeping read by an operator job",
})({
  source: text("source").notNull(),
  rows: integer("rows").notNull().default(0),
});
