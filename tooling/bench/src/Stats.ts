/** Small, dependency-free statistics for benchmark samples. */

/** The q-quantile (0..1) by linear interpolation between closest ranks; NaN for no samples. */
export const quantile = (values: ReadonlyArray<number>, q: number): number => {
  if (values.length === 0 || q < 0 || q > 1) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[upper] ?? Number.NaN;
  return low + (high - low) * (position - lower);
};

export const median = (values: ReadonlyArray<number>): number => quantile(values, 0.5);

/** `numerator / denominator`, NaN when either is missing or the denominator is zero. */
export const ratio = (numerator: number, denominator: number): number =>
  Number.isFinite(numerator) && Number.isFinite(denominator) && denominator !== 0
    ? numerator / denominator
    : Number.NaN;

/** Round-by-round ratios of two series measured in the same rounds; rounds missing a side are skipped. */
export const pairedRatios = (
  numerators: ReadonlyArray<number>,
  denominators: ReadonlyArray<number>,
): ReadonlyArray<number> => {
  const pairs = Math.min(numerators.length, denominators.length);
  const ratios: Array<number> = [];
  for (let index = 0; index < pairs; index++) {
    const value = ratio(numerators[index] ?? Number.NaN, denominators[index] ?? Number.NaN);
    if (!Number.isNaN(value)) ratios.push(value);
  }
  return ratios;
};

/**
 * The median of per-round ratios. Each round measures both sides within seconds of each other, so pairing
 * them cancels the drift of a shared machine better than a ratio of two medians does.
 */
export const pairedRatio = (numerators: ReadonlyArray<number>, denominators: ReadonlyArray<number>): number =>
  median(pairedRatios(numerators, denominators));

/** Operations per second of `operations` done in `elapsedMs`. */
export const throughput = (operations: number, elapsedMs: number): number =>
  elapsedMs > 0 ? (operations * 1000) / elapsedMs : Number.NaN;
