/**
 * fast-check options shared by the fuzz files: FUZZ_RUNS cases per property (default given by
 * the file), and FUZZ_SEED to replay a run — fast-check prints the seed of a failing run, so
 * `FUZZ_SEED=<seed> npx --no-install vitest run test/fuzz/<file>` reproduces it. Without
 * FUZZ_SEED every run draws a new seed, so repeated runs cover new cases.
 */
export function fuzzOptions(defaultRuns: number): { numRuns: number; seed?: number } {
  const numRuns = Number(process.env['FUZZ_RUNS'] ?? defaultRuns);
  const seed = process.env['FUZZ_SEED'];
  return seed === undefined || seed === '' ? { numRuns } : { numRuns, seed: Number(seed) };
}
