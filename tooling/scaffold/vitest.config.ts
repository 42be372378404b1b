import { beepTestConfig } from "@beep/testkit/vitest";

export default beepTestConfig();
