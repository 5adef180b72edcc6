/**
 * Haystack text: plausible English sentences from a seeded pool. Sentences are drawn from a fixed pool
 * rather than built word by word, which is what makes 40 MB (10M tokens) take well under a second.
 */
import type { Rng } from "./random.js";
import { ADJECTIVES, ADVERBS, NOUNS, PREPOSITIONS, VERBS } from "./words.js";

const POOL_SIZE = 4096;

function sentence(rng: Rng): string {
  const shapes = [
    () =>
      `The ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} ${rng.pick(VERBS)} the ${rng.pick(NOUNS)} ${rng.pick(PREPOSITIONS)} the ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}.`,
    () =>
      `A ${rng.pick(NOUNS)} was ${rng.pick(ADVERBS)} ${rng.pick(VERBS)} by the ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}.`,
    () =>
      `Every ${rng.pick(NOUNS)} ${rng.pick(PREPOSITIONS)} the ${rng.pick(NOUNS)} seemed ${rng.pick(ADJECTIVES)} and ${rng.pick(ADJECTIVES)}.`,
    () => `Nobody ${rng.pick(VERBS)} the ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} ${rng.pick(ADVERBS)}.`,
  ];
  return rng.pick(shapes)();
}

/** Sentences of filler adding up to at least `chars` characters when joined with spaces. */
export function fillerText(rng: Rng, chars: number): string[] {
  const pool = Array.from({ length: POOL_SIZE }, () => sentence(rng));
  const sentences: string[] = [];
  let length = 0;
  while (length < chars) {
    const next = pool[rng.int(POOL_SIZE)]!;
    sentences.push(next);
    length += next.length + 1;
  }
  return sentences;
}
