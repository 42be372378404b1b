export * as DrizzleKit from "./DrizzleKit.ts";
export * as Registry from "./Registry.ts";
