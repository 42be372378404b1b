import { cpus, loadavg, totalmem } from "node:os";

export interface Info {
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly platform: string;
  /** The JavaScript runtime the clients ran in. */
  readonly runtime: string;
}

const runtimeName = () => {
  const bun = (process.versions as Record<string, string | undefined>).bun;
  return bun === undefined ? `node ${process.versions.node}` : `bun ${bun}`;
};

export const info = (): Info => {
  const all = cpus();
  return {
    cores: all.length,
    cpu: all[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    runtime: runtimeName(),
  };
};

/** The one-minute load average: above the core count, other work competed with the run. */
export const loadAverage = (): number => loadavg()[0] ?? Number.NaN;
