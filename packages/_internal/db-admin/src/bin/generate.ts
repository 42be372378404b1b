import { generate } from "../Generate.ts";

await generate(undefined, (line) => console.log(line));
