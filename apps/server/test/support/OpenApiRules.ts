import * as HttpApi from "@effect/platform/HttpApi";
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint";
import * as HttpApiError from "@effect/platform/HttpApiError";
import * as OpenApi from "@effect/platform/OpenApi";
import { SchemaAST as AST, Option, Schema } from "effect";

/**
 * What `test/OpenApi.test.ts` requires of the document `OpenApi.fromApi(api)`: every rule finds its subjects by
 * walking the API and the document, so an endpoint added later is checked without changing the test.
 */

type Json = Record<string, any>;

/**
 * Names the document must not show: every export of `effect/Schema` (`Trim`, `NonEmptyString`, the filters
 * `maxLength`, `int`, ...) with the identifiers and titles its schemas carry (`DateFromString`), and the
 * decode error's `Issue` from `@effect/platform`.
 */
export const internalNames: ReadonlySet<string> = (() => {
  const names = new Set<string>();
  const add = (ast: AST.AST) => {
    for (const name of [AST.getIdentifierAnnotation(ast), AST.getTitleAnnotation(ast), AST.getJSONIdentifier(ast)]) {
      if (Option.isSome(name)) names.add(name.value);
    }
  };
  for (const [name, value] of Object.entries(Schema)) {
    names.add(name);
    if (Schema.isSchema(value)) add(value.ast);
  }
  add(HttpApiError.Issue.ast);
  return names;
})();

/** `Trim`, `int`, or a filter's generated title such as `between(1, 100)` or `maxLength(500)`. */
export const isInternal = (name: string) =>
  internalNames.has(name) || internalNames.has(/^(\w+)\(/.exec(name)?.[1] ?? "");

const SCHEMAS = "#/components/schemas/";

const resolve = (doc: Json, schema: Json | undefined): Json | undefined => {
  let current = schema;
  for (let hops = 0; hops < 10 && typeof current?.$ref === "string"; hops++) {
    current = doc.components?.schemas?.[current.$ref.slice(SCHEMAS.length)];
  }
  return current;
};

/** Every object (schema or not) in the document, with its JSON path. */
const nodes = function* (node: unknown, path: string): Generator<readonly [Json, string]> {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* nodes(item, `${path}/${i}`);
  } else if (typeof node === "object" && node !== null) {
    yield [node as Json, path];
    for (const [key, value] of Object.entries(node)) yield* nodes(value, `${path}/${key}`);
  }
};

export interface Operation {
  readonly method: string;
  readonly path: string;
  readonly operation: Json;
}

export const operations = (doc: Json): ReadonlyArray<Operation> =>
  Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method, path, operation })),
  );

// ---- what the Effect schemas say: which properties are dates, which query parameters are numbers ----

const isDateDeclaration = (ast: AST.AST) =>
  AST.isDeclaration(ast) &&
  (ast.annotations[AST.SchemaIdAnnotationId] === Schema.DateFromSelfSchemaId ||
    ["DateFromSelf", "DateTimeUtcFromSelf", "DateTimeZonedFromSelf"].includes(
      Option.getOrElse(AST.getIdentifierAnnotation(ast), () => ""),
    ));

/** Whether `ast` decodes to a date (through refinements, transformations, unions with null). */
const isDate = (ast: AST.AST): boolean => {
  if (AST.isRefinement(ast)) return isDate(ast.from);
  if (AST.isTransformation(ast)) return isDate(ast.to);
  if (AST.isSuspend(ast)) return isDate(ast.f());
  if (AST.isUnion(ast)) return ast.types.some(isDate);
  return isDateDeclaration(ast);
};

/** The names of every property, at any depth, whose value decodes to a date. */
const dateProperties = (ast: AST.AST, into: Set<string>, seen = new Set<AST.AST>()): void => {
  if (seen.has(ast)) return;
  seen.add(ast);
  if (AST.isTypeLiteral(ast)) {
    for (const property of ast.propertySignatures) {
      if (isDate(property.type) && typeof property.name === "string") into.add(property.name);
      dateProperties(property.type, into, seen);
    }
    for (const signature of ast.indexSignatures) dateProperties(signature.type, into, seen);
  } else if (AST.isTupleType(ast)) {
    for (const element of ast.elements) dateProperties(element.type, into, seen);
    for (const rest of ast.rest) dateProperties(rest.type, into, seen);
  } else if (AST.isUnion(ast)) {
    for (const member of ast.types) dateProperties(member, into, seen);
  } else if (AST.isRefinement(ast)) {
    dateProperties(ast.from, into, seen);
  } else if (AST.isTransformation(ast)) {
    dateProperties(ast.from, into, seen);
    dateProperties(ast.to, into, seen);
  } else if (AST.isSuspend(ast)) {
    dateProperties(ast.f(), into, seen);
  }
};

/** `integer` for a number with an `int` filter, `number` for another number, else undefined. */
const numberKind = (ast: AST.AST, integer = false): "integer" | "number" | undefined => {
  if (AST.isRefinement(ast)) {
    return numberKind(ast.from, integer || ast.annotations[AST.SchemaIdAnnotationId] === Schema.IntSchemaId);
  }
  if (AST.isTransformation(ast)) return numberKind(ast.to, integer);
  if (AST.isUnion(ast)) {
    const kinds = ast.types.map((member) => numberKind(member, integer)).filter((k) => k !== undefined);
    return kinds[0];
  }
  return AST.isNumberKeyword(ast) ? (integer ? "integer" : "number") : undefined;
};

/** Each endpoint with every schema it declares (payloads, successes, errors, path, query, headers). */
const reflectApi = (
  api: HttpApi.HttpApi.Any,
  visit: (endpoint: HttpApiEndpoint.HttpApiEndpoint.AnyWithProps, schemas: ReadonlyArray<AST.AST>) => void,
) =>
  HttpApi.reflect(api as HttpApi.HttpApi<string, never, never, never>, {
    onGroup() {},
    onEndpoint({ endpoint, payloads, successes, errors }) {
      const schemas: Array<AST.AST> = [];
      for (const { ast } of payloads.values()) schemas.push(ast);
      for (const { ast } of [...successes.values(), ...errors.values()])
        if (Option.isSome(ast)) schemas.push(ast.value);
      for (const s of [endpoint.pathSchema, endpoint.urlParamsSchema, endpoint.headersSchema]) {
        if (Option.isSome(s)) schemas.push(s.value.ast);
      }
      visit(endpoint as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps, schemas);
    },
  });

/** Each endpoint's key (`get /v1/x/{id}`), its query and path parameters that decode to numbers, and every property name that decodes to a date. */
const analyse = (api: HttpApi.HttpApi.Any) => {
  const found: Array<{ key: string; name: string; kind: "integer" | "number" }> = [];
  const endpoints: Array<string> = [];
  const dates = new Set<string>();
  reflectApi(api, (endpoint, schemas) => {
    const key = `${endpoint.method.toLowerCase()} ${endpoint.path.replace(/:(\w+)\??/g, "{$1}")}`;
    endpoints.push(key);
    for (const ast of schemas) dateProperties(ast, dates);
    for (const params of [endpoint.urlParamsSchema, endpoint.pathSchema]) {
      if (Option.isNone(params)) continue;
      for (const property of AST.getPropertySignatures(AST.typeAST(params.value.ast))) {
        const kind = numberKind(property.type);
        if (kind !== undefined) found.push({ key, name: String(property.name), kind });
      }
    }
  });
  return { found, endpoints, dates };
};

// ---- the rules ----

/** Every problem of `api`'s document, one line each; empty when it complies. */
export const problems = (api: HttpApi.HttpApi.Any, doc: Json = OpenApi.fromApi(api as never)): Array<string> => {
  const out: Array<string> = [];
  const ops = operations(doc);
  const { found, endpoints, dates } = analyse(api);

  if (ops.length !== endpoints.length) out.push(`document has ${ops.length} operations, the API ${endpoints.length}`);

  for (const { method, path, operation } of ops) {
    if (typeof operation.summary !== "string" || operation.summary.trim() === "") {
      out.push(`${method.toUpperCase()} ${path}: no summary (OpenApi.Summary)`);
    }
  }

  const tags = new Map<string, Json>((doc.tags as Array<Json>).map((tag) => [tag.name, tag]));
  for (const tag of tags.values()) {
    if (typeof tag.description !== "string" || tag.description.trim() === "") {
      out.push(`tag ${tag.name}: no description (the group's OpenApi.Description)`);
    }
  }
  for (const { method, path, operation } of ops) {
    for (const name of operation.tags ?? []) {
      if (!tags.has(name)) out.push(`${method.toUpperCase()} ${path}: tag ${name} is not in the document's tags`);
    }
  }

  for (const name of Object.keys(doc.components?.schemas ?? {})) {
    if (isInternal(name)) out.push(`component schema ${name} is an internal Effect schema name`);
  }
  for (const [node, at] of nodes(doc, "#")) {
    if (typeof node.$ref === "string" && isInternal(node.$ref.slice(SCHEMAS.length))) {
      out.push(`${at}: $ref ${node.$ref} names an internal Effect schema`);
    }
    if (typeof node.title === "string" && at !== "#/info" && isInternal(node.title)) {
      out.push(`${at}: title ${JSON.stringify(node.title)} is an internal Effect name`);
    }
  }

  const seenDates = new Set<string>();
  for (const [node, at] of nodes(doc, "#")) {
    if (typeof node.properties !== "object" || node.properties === null || at.endsWith("/properties")) continue;
    for (const [name, property] of Object.entries(node.properties as Record<string, Json>)) {
      if (!dates.has(name)) continue;
      seenDates.add(name);
      const resolved = resolve(doc, property);
      const variants = [resolved, ...((resolved?.anyOf as Array<Json> | undefined) ?? [])].map((v) => resolve(doc, v));
      if (!variants.some((v) => v?.type === "string" && v.format === "date-time")) {
        out.push(`${at}/properties/${name}: a timestamp without format: date-time`);
      }
    }
  }
  for (const name of dates) if (!seenDates.has(name)) out.push(`timestamp property ${name} is not in the document`);

  for (const { key, name, kind } of found) {
    const [method = "", path = ""] = key.split(" ");
    const parameter = (doc.paths?.[path]?.[method]?.parameters as Array<Json> | undefined)?.find(
      (p) => p.name === name,
    );
    const type = resolve(doc, parameter?.schema)?.type;
    if (type !== kind) out.push(`${method.toUpperCase()} ${path}: parameter ${name} is ${type}, expected ${kind}`);
  }
  for (const { method, path, operation } of ops) {
    for (const parameter of (operation.parameters ?? []) as Array<Json>) {
      if (parameter.name === "limit" && resolve(doc, parameter.schema)?.type !== "integer") {
        out.push(`${method.toUpperCase()} ${path}: limit is not typed integer`);
      }
    }
  }
  return out;
};

/** What the rules found to check: so a test can tell a rule that checked nothing from one that passed. */
export const subjects = (api: HttpApi.HttpApi.Any) => {
  const { found, endpoints, dates } = analyse(api);
  return { endpoints: endpoints.length, dates: [...dates].sort(), numberParameters: found.length };
};
