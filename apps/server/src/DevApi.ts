import { Api } from "./Api.ts";
import { DevSignInGroup } from "./groups/DevSignIn.ts";

/** `bun run dev`'s API when it is its own identity provider: `Api` and the dev sign-in. `bun run start` serves `Api`. */
export class DevApi extends Api.add(DevSignInGroup) {}
