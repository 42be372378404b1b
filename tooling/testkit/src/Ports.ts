// A port picked for a child process is free only until someone else binds it: start through `onFreePort`.
export { freePort, type OnFreePortOptions, onFreePort, PortTaken } from "./internal/ports.ts";
