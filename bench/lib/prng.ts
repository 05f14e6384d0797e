/**
 * A small seeded PRNG (mulberry32). Benchmarks must replay the same events in the same order for every
 * subject (Vellum, the bare drivers, Emmett), so nothing here may touch Math.random.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Skewed integer in [0, n): low ids are hot, as real entities and actors are (about 1% of ids take 10% of picks). */
  skewed(n: number): number;
}

export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)] as T,
    chance: (p: number) => next() < p,
    skewed: (n: number) => Math.floor(n * next() ** 2),
  };
}
