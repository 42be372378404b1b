/** How big and how long a run is. Figures are ratios, so `quick` checks the harness, `full` produces them. */
export interface Profile {
  readonly name: "full" | "quick";
  readonly organizations: number;
  /** Document counts of the scale series, ascending; the largest database also serves sections 1 and 2. */
  readonly scale: ReadonlyArray<number>;
  /** How many existing documents the workloads pick from. */
  readonly keySample: number;
  /** Documents of each database of section 5 (single PostgreSQL and Citus): small, held by any node's memory. */
  readonly clusterDocuments: number;
  readonly concurrency: ReadonlyArray<number>;
  readonly rounds: number;
  readonly sliceMs: number;
  readonly warmupMs: number;
}

export const full: Profile = {
  name: "full",
  organizations: 1_000,
  scale: [10_000, 100_000, 1_000_000],
  keySample: 10_000,
  clusterDocuments: 100_000,
  concurrency: [1, 8],
  // Many short rounds: each pairs its sides within a second, so a busy moment of a shared machine spoils a
  // few rounds, which the median of per-round ratios then ignores.
  rounds: 51,
  sliceMs: 200,
  warmupMs: 1_000,
};

export const quick: Profile = {
  name: "quick",
  organizations: 100,
  scale: [1_000, 10_000, 100_000],
  keySample: 2_000,
  clusterDocuments: 100_000,
  concurrency: [1, 8],
  rounds: 3,
  sliceMs: 150,
  warmupMs: 100,
};

export const largest = (profile: Profile): number => profile.scale.at(-1) ?? 0;
