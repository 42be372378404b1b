import { Upgrade, ContextKey } from "@beep/db-admin";
import { Effect, Option, Redacted } from "effect";
const url = process.argv[2]!;
const t = Date.now();
const r = await Effect.runPromiseExit(Upgrade.run({ url, shardCount: 4, contextKey: Option.some(Redacted.make(process.argv[3] ?? ContextKey.generate())), log: (l) => Effect.sync(() => console.log(((Date.now()-t)/1000).toFixed(1), l)) }));
if (r._tag === "Failure") console.log(JSON.stringify(r, null, 1).slice(0, 3000));
