import { TableShape } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import * as Template from "../orgtable-auto-rls/templates/policy.template.ts";

describe("specs/orgtable-auto-rls/templates/policy.template.ts", () => {
  it("defines one table per mode, with the policies the factory promises", () => {
    const modes = [Template.project, Template.task, Template.category, Template.importRun].map((table) => {
      const shape = TableShape.of(table);
      return [shape.name, shape.rlsPolicy, shape.policies.length, shape.rlsEnabled];
    });
    assert.deepStrictEqual(modes, [
      ["example_project", "standard", 2, true],
      ["example_task", "standard", 2, true],
      ["example_category", "nullable", 4, true],
      ["example_import_run", "none", 0, false],
    ]);
    // Every mode is keyed by (organization_id, id); shared rows have an organization too.
    for (const table of [Template.project, Template.task, Template.category, Template.importRun]) {
      assert.deepStrictEqual(TableShape.of(table).primaryKey, ["organization_id", "id"]);
    }
    assert.include(
      TableShape.of(Template.task).foreignKeys,
      "(organization_id, project_id) -> example_project(organization_id, id)",
    );
  });
});
