export { file } from "./file.ts";
export { organization } from "./organization.ts";
export { team } from "./team.ts";
export { user } from "./user.ts";
