export * as Checkpoint from "./Checkpoint.ts";
export * as DocLinks from "./DocLinks.ts";
export * as GuideCode from "./GuideCode.ts";
export * as Markdown from "./Markdown.ts";
export * as PhaseStatus from "./PhaseStatus.ts";
export * as SpecErrors from "./SpecErrors.ts";
export * as SpecScaffold from "./SpecScaffold.ts";
export * as Verify from "./Verify.ts";
