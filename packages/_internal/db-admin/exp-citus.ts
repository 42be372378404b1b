import { Upgrade, ContextKey } from "@beep/db-admin";
import { Effect, Option, Redacted } from "effect";
const url = process.argv[2]!;
const r = await Effect.runPromiseExit(Upgrade.run({ url, contextKey: Option.some(Redacted.make(process.argv[3] ?? ContextKey.generate())), log: (l) => Effect.sync(() => console.log(l)) }));
console.log(JSON.stringify(r, null, 1).slice(0, 3000));
