import { beepTestConfig } from "./src/vitestConfig.js";

export default beepTestConfig({}, { citus: true });
