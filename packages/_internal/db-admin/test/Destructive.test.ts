import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Either } from "effect";
import { Generate } from "../src/index.ts";
import { contents, copyMigrations } from "./support.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/widgetSchema.ts", import.meta.url));
const RENAMED_FIXTURE = fileURLToPath(new URL("./fixtures/widgetRenamedSchema.ts", import.meta.url));

describe("db:generate and destructive changes", () => {
  it("finds the statements that lose data", () => {
    const sql = [
      'DROP TABLE "a" CASCADE;',
      'ALTER TABLE "b" DROP COLUMN "c";',
      'ALTER TABLE "b" ALTER COLUMN "d" SET DATA TYPE varchar(10);',
      'DROP POLICY "p" ON "b" CASCADE;',
      'ALTER TABLE "b" ADD COLUMN "e" text;',
      'DROP INDEX "i";',
    ].join("--> statement-breakpoint\n");
    assert.deepStrictEqual(Generate.destructiveStatements(sql), [
      'DROP TABLE "a" CASCADE;',
      'ALTER TABLE "b" DROP COLUMN "c";',
      'ALTER TABLE "b" ALTER COLUMN "d" SET DATA TYPE varchar(10);',
    ]);
  });

  it("a removed table is refused, naming the drop and writing nothing; --allow-destructive writes it", async () => {
    const scratch = copyMigrations();
    try {
      await Effect.runPromise(Generate.generate({ migrationsDir: scratch.dir, extraSchemas: [FIXTURE] }));
      const before = contents(scratch.dir);
      // The table's module is gone from the schema: the diff would drop it.
      const refused = await Effect.runPromise(Effect.either(Generate.generate({ migrationsDir: scratch.dir })));
      assert.isTrue(Either.isLeft(refused));
      const error = Either.isLeft(refused) ? refused.left : undefined;
      assert.strictEqual(error?._tag, "DestructiveChange");
      assert.include(error?.message ?? "", 'DROP TABLE "test_widget" CASCADE;');
      assert.include(error?.message ?? "", "--allow-destructive");
      assert.deepStrictEqual(contents(scratch.dir), before);

      const allowed = await Effect.runPromise(
        Generate.generate({ migrationsDir: scratch.dir, allowDestructive: true }),
      );
      assert.isAbove(allowed.written.length, 0);
      const written = allowed.written.map((tag) => readFileSync(join(scratch.dir, `${tag}.sql`), "utf8")).join("\n");
      assert.include(written, 'DROP TABLE "test_widget" CASCADE;');
    } finally {
      scratch.remove();
    }
  }, 120_000);

  it("a renamed column is never assumed renamed: answered create, it is a dropped column, refused unless allowed", async () => {
    const scratch = copyMigrations();
    try {
      await Effect.runPromise(Generate.generate({ migrationsDir: scratch.dir, extraSchemas: [FIXTURE] }));
      const before = contents(scratch.dir);
      const refused = await Effect.runPromise(
        Effect.either(Generate.generate({ migrationsDir: scratch.dir, extraSchemas: [RENAMED_FIXTURE] })),
      );
      const error = Either.isLeft(refused) ? refused.left : undefined;
      assert.strictEqual(error?._tag, "DestructiveChange");
      assert.include(error?.message ?? "", 'ALTER TABLE "test_widget" DROP COLUMN "label";');
      assert.deepStrictEqual(contents(scratch.dir), before);

      const allowed = await Effect.runPromise(
        Generate.generate({ migrationsDir: scratch.dir, extraSchemas: [RENAMED_FIXTURE], allowDestructive: true }),
      );
      assert.deepStrictEqual(allowed.answered, ["title"]);
      const written = allowed.written.map((tag) => readFileSync(join(scratch.dir, `${tag}.sql`), "utf8")).join("\n");
      assert.include(written, 'ALTER TABLE "test_widget" ADD COLUMN "title" text NOT NULL;');
      assert.include(written, 'ALTER TABLE "test_widget" DROP COLUMN "label";');
      assert.notInclude(written, "RENAME");
    } finally {
      scratch.remove();
    }
  }, 120_000);
});
