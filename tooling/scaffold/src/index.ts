export * as Names from "./Names.ts";
export * as Scaffold from "./Scaffold.ts";
export * as ScaffoldErrors from "./ScaffoldErrors.ts";
export * as Templates from "./Templates.ts";
