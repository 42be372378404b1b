import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TableShape } from "@beep/shared-tables";
import { assert, describe, it } from "@effect/vitest";
import { DrizzleKit, Registry } from "../src/index.ts";

describe("drizzle-kit generate", () => {
  it("emits RLS and every tenant policy for every tenant table", async () => {
    const out = mkdtempSync(join(tmpdir(), "beep-generate-"));
    try {
      await DrizzleKit.generateInto(out);
      const file = readdirSync(out).find((name) => name.endsWith(".sql"));
      assert.isDefined(file);
      const generated = readFileSync(join(out, file ?? ""), "utf8");
      assert.isAtLeast(Registry.tenantTables.length, 13);
      for (const { table } of Registry.tenantTables) {
        const shape = TableShape.of(table);
        const enable = `ALTER TABLE "${shape.name}" ENABLE ROW LEVEL SECURITY;`;
        if (shape.rlsPolicy === "none") {
          assert.notInclude(generated, enable);
          continue;
        }
        assert.include(generated, enable);
        for (const policy of TableShape.expectedTenantPolicies(shape.name, shape.rlsPolicy as "standard")) {
          const [name, as, command] = policy.split(" ");
          assert.include(
            generated,
            `CREATE POLICY "${name}" ON "${shape.name}" AS ${as?.toUpperCase()} FOR ${command?.toUpperCase()} TO public`,
          );
        }
        assert.match(
          generated,
          new RegExp(`CREATE POLICY "tenant_isolation_${shape.name}" [^;]* USING \\([^;]*app\\.current_org_id`),
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
