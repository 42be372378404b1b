import { Effect } from "effect";
import { generate } from "../Generate.ts";

await Effect.runPromise(generate({ log: (line) => console.log(line) }));
