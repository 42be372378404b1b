import * as Scaffold from "../Scaffold.ts";
import { BadArguments } from "../ScaffoldErrors.ts";
import { follow, generate, ROOT } from "./run.ts";

// bun run slice:new <name>
const [slice, ...rest] = process.argv.slice(2);
generate(
  slice === undefined || rest.length > 0
    ? new BadArguments({ detail: "usage: bun run slice:new <name>" })
    : Scaffold.newSlice(ROOT, slice),
);
// The new package joins the workspace (install) and db-admin's schema entry and dependencies (sync).
follow("bun", ["run", "slices:sync"]);
follow("bun", ["install"]);
