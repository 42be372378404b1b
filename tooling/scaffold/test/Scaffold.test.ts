import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, assert, describe, it } from "@effect/vitest";
import { Effect, Either } from "effect";
import { Scaffold } from "../src/index.ts";

const scratch = mkdtempSync(join(tmpdir(), "beep-scaffold-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A root with the real slices' packages (so existing names are refused) and nothing else. */
const workspace = () => {
  const root = mkdtempSync(join(scratch, "root-"));
  for (const slice of ["shared", "iam", "documents"]) {
    cpSync(
      join(__dirname, "..", "..", "..", "packages", slice, "tables", "package.json"),
      join(root, "packages", slice, "tables", "package.json"),
    );
  }
  return root;
};

/** Every file under `dir` with its text, to show that a refusal wrote nothing. */
const snapshot = (dir: string): Record<string, string> => {
  const files: Record<string, string> = {};
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else files[relative(dir, path)] = readFileSync(path, "utf8");
  };
  walk(dir);
  return files;
};

const tagOf = <A, E extends { readonly _tag: string; readonly message: string }>(effect: Effect.Effect<A, E>) =>
  Either.match(Effect.runSync(Effect.either(effect)), {
    onLeft: (e) => `${e._tag}: ${e.message}`,
    onRight: () => "ok",
  });

describe("Scaffold", () => {
  it("slice:new writes the package; a second run, an existing slice or a bad name is refused and writes nothing", () => {
    const root = workspace();
    const written = Effect.runSync(Scaffold.newSlice(root, "billing")).map((path) => relative(root, path));
    assert.deepStrictEqual(written.sort(), [
      "packages/billing/tables/AGENTS.md",
      "packages/billing/tables/package.json",
      "packages/billing/tables/src/BillingEntityIds.ts",
      "packages/billing/tables/src/index.ts",
      "packages/billing/tables/src/schema.ts",
      "packages/billing/tables/src/tables/index.ts",
      "packages/billing/tables/src/tables/item.ts",
      "packages/billing/tables/test/BillingTables.test.ts",
      "packages/billing/tables/tsconfig.json",
      "packages/billing/tables/vitest.config.ts",
    ]);
    const before = snapshot(root);
    assert.match(tagOf(Scaffold.newSlice(root, "billing")), /^AlreadyExists: slice "billing" already exists/);
    assert.match(tagOf(Scaffold.newSlice(root, "iam")), /^AlreadyExists: slice "iam" already exists/);
    assert.match(tagOf(Scaffold.newSlice(root, "Billing")), /^InvalidName: Invalid name "Billing"/);
    assert.match(tagOf(Scaffold.newSlice(root, "x".repeat(40))), /^InvalidName: .*longer than 35 characters/);
    assert.deepStrictEqual(snapshot(root), before);
  });

  it("table:new adds the table, its id and its export; refuses what exists, unknown slices and none without a reason", () => {
    const root = workspace();
    Effect.runSync(Scaffold.newSlice(root, "billing"));
    const mode = Effect.runSync(Scaffold.parseMode("nullable", undefined));
    Effect.runSync(Scaffold.newTable(root, "billing", "payment_method", mode));
    const src = join(root, "packages", "billing", "tables", "src");
    assert.include(
      readFileSync(join(src, "BillingEntityIds.ts"), "utf8"),
      'PaymentMethodId = EntityId.make("billing_payment_method");',
    );
    assert.strictEqual(
      readFileSync(join(src, "tables", "index.ts"), "utf8"),
      'export { item } from "./item.ts";\nexport { paymentMethod } from "./paymentMethod.ts";\n',
    );
    assert.include(
      readFileSync(join(src, "tables", "paymentMethod.ts"), "utf8"),
      'OrgTable.make(PaymentMethodId, { rlsPolicy: "nullable" })',
    );
    const before = snapshot(root);
    assert.match(
      tagOf(Scaffold.newTable(root, "billing", "payment_method", mode)),
      /^AlreadyExists: table "billing_payment_method"/,
    );
    assert.match(tagOf(Scaffold.newTable(root, "iam", "widget", mode)), /^UnknownSlice: Unknown slice "iam"/);
    assert.match(tagOf(Scaffold.newTable(root, "billing", "Widget", mode)), /^InvalidName/);
    assert.match(tagOf(Scaffold.parseMode("none", undefined)), /^BadArguments: --mode none needs --reason/);
    assert.match(tagOf(Scaffold.parseMode("none", "  ")), /^BadArguments: --mode none needs --reason/);
    assert.match(tagOf(Scaffold.parseMode("standard", "why")), /^BadArguments: --reason belongs to --mode none/);
    assert.match(tagOf(Scaffold.parseMode("open", undefined)), /^BadArguments: --mode open: expected one of/);
    assert.deepStrictEqual(snapshot(root), before);
    const none = Effect.runSync(Scaffold.parseMode("none", "a lookup every tenant reads"));
    Effect.runSync(Scaffold.newTable(root, "billing", "currency", none));
    assert.include(
      readFileSync(join(src, "tables", "currency.ts"), "utf8"),
      'OrgTable.make(CurrencyId, { rlsPolicy: "none", reason: "a lookup every tenant reads" })',
    );
  });

  it("table:new works in a slice laid out like documents (./schema is src/tables/index.ts), keeping its exports", () => {
    const root = mkdtempSync(join(scratch, "root-"));
    const documents = join(root, "packages", "documents", "tables");
    for (const part of ["package.json", "src"]) {
      cpSync(join(__dirname, "..", "..", "..", "packages", "documents", "tables", part), join(documents, part), {
        recursive: true,
      });
    }
    const src = join(documents, "src");
    const indexBefore = readFileSync(join(src, "tables", "index.ts"), "utf8");
    const mode = Effect.runSync(Scaffold.parseMode(undefined, undefined));
    Effect.runSync(Scaffold.newTable(root, "documents", "attachment", mode));
    assert.include(
      readFileSync(join(src, "DocumentsEntityIds.ts"), "utf8"),
      'export const AttachmentId = EntityId.make("documents_attachment");',
    );
    assert.include(readFileSync(join(src, "tables", "attachment.ts"), "utf8"), "OrgTable.make(AttachmentId)");
    // The new export goes in sorted by source; every export that was there stays as written.
    assert.strictEqual(
      readFileSync(join(src, "tables", "index.ts"), "utf8"),
      `export { attachment } from "./attachment.ts";\n${indexBefore}`,
    );
    assert.include(indexBefore, 'export { DOCUMENT_STATUSES, type DocumentStatus, document } from "./document.ts";');

    // Without the ./schema export db-admin would never see the table: refused, nothing written.
    const manifest = join(documents, "package.json");
    const { "./schema": _schema, ...exports } = JSON.parse(readFileSync(manifest, "utf8")).exports;
    writeFileSync(manifest, JSON.stringify({ name: "@beep/documents-tables", exports }));
    const before = snapshot(root);
    assert.match(
      tagOf(Scaffold.newTable(root, "documents", "label", mode)),
      /^UnknownSlice: Unknown slice "documents": expected "\.\/schema" in the exports of/,
    );
    assert.deepStrictEqual(snapshot(root), before);
  });
});
