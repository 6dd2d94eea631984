/**
 * mulberry32: a small seeded PRNG (uniform in [0, 1)), so whatever draws from it — the screener's
 * training shuffles (policy/prompt/model/train.ts), the noisy-neighbour arrivals
 * (cli/noisy-neighbor/load.ts), the benchmark mixtures (bench/prompt-verdicts.ts) — repeats
 * run after run and on every machine. Not for anything secret. Pure.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
