import { relative } from "node:path";
import * as Slices from "../Slices.ts";

// Run from the root (`bun run slices:sync`) and before every `generate`, so a new slice needs no edit.
const changed = Slices.sync();
const names = Slices.discover()
  .map((slice) => slice.packageName)
  .join(", ");
console.log(
  changed.length === 0
    ? `slices up to date: ${names}`
    : `slices: ${names}; wrote ${changed.map((path) => relative(Slices.ROOT, path)).join(", ")}`,
);
