import type { TestProject } from "vitest/node";
import * as Citus from "./Citus.ts";
// The typing of what this setup provides lives beside `inject`, in Testkit.ts.
import type {} from "./Testkit.ts";

/**
 * One Citus cluster per test run, for the packages that ask for it (`beepTestConfig(test, { citus: true })`):
 * `CITUS_URL`'s when set, else a coordinator and two workers started here. When Citus is not installed, or
 * `BEEP_CITUS=off`, the reason is provided instead and suites that need the cluster are skipped.
 */
export default async function setup(project: TestProject) {
  if (process.env.BEEP_CITUS === "off") {
    project.provide("beepCitus", { ok: false, reason: "off (BEEP_CITUS=off)" });
    return;
  }
  const citusUrl = process.env.CITUS_URL;
  if (citusUrl !== undefined && citusUrl !== "") {
    const cluster = await Citus.fromUrl(citusUrl);
    project.provide("beepCitus", { ok: true, cluster: Citus.toDescription(cluster) });
    return;
  }
  const availability = Citus.available();
  if (!availability.ok) {
    project.provide("beepCitus", availability);
    return;
  }
  const cluster = await Citus.startCluster();
  project.provide("beepCitus", { ok: true, cluster: Citus.toDescription(cluster) });
  return () => cluster.stop();
}
