/**
 * Seeded pseudo-random numbers (mulberry32). Not cryptographic: it only has to make the tiny model's weights
 * reproducible, so the same seed always yields byte-identical GGUF files.
 */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
