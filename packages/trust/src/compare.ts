/**
 * The comparison rule: do two answers to the same deterministic job (greedy, same seed, same model digest)
 * agree? Exact equality is too strict: llama.cpp's batched decoding sums in an order that depends on the
 * batch's composition, so honest providers' greedy text can part ways at a near-tie and then continue
 * differently (measured on the generated model: 21% of honest pairs differ somewhere, some from the
 * second token on; docs/trust.md "Measured agreement"). Honest answers part ways *after* a shared start or
 * stay close in content; a cheater's answer (junk, another model, a truncated prompt) shares neither. So:
 * agree ⇔ identical, or sharing their first `prefixChars` characters (all of the shorter one when it is
 * shorter), or a Dice similarity of character `gramSize`-grams of at least `minSimilarity`.
 */

export interface ComparisonRule {
  /** A shared start this long (characters) means the same model on the same prompt. Default 4. */
  prefixChars: number;
  /** Dice coefficient of character n-gram multisets at or above which answers agree. Default 0.5. */
  minSimilarity: number;
  /** n of the n-grams. Default 4. */
  gramSize: number;
}

export const DEFAULT_COMPARISON: ComparisonRule = { prefixChars: 4, minSimilarity: 0.5, gramSize: 4 };

export interface Comparison {
  agree: boolean;
  /** Which test decided. */
  reason: "identical" | "prefix" | "similar" | "different";
  /** Characters the answers share from the start. */
  commonPrefix: number;
  /** Dice coefficient of their n-gram multisets, 0–1. */
  similarity: number;
}

export function compareAnswers(a: string, b: string, rule: Partial<ComparisonRule> = {}): Comparison {
  const { prefixChars, minSimilarity, gramSize } = { ...DEFAULT_COMPARISON, ...rule };
  let commonPrefix = 0;
  const shorter = Math.min(a.length, b.length);
  while (commonPrefix < shorter && a[commonPrefix] === b[commonPrefix]) commonPrefix++;
  if (a === b) return { agree: true, reason: "identical", commonPrefix, similarity: 1 };
  const similarity = diceSimilarity(a, b, gramSize);
  // An empty answer agrees only with an empty one (above): "shares all of the shorter" must not rescue it.
  if (shorter > 0 && commonPrefix >= Math.min(prefixChars, shorter))
    return { agree: true, reason: "prefix", commonPrefix, similarity };
  if (similarity >= minSimilarity) return { agree: true, reason: "similar", commonPrefix, similarity };
  return { agree: false, reason: "different", commonPrefix, similarity };
}

/** Dice coefficient of the multisets of character n-grams (texts shorter than n compare as one gram). */
export function diceSimilarity(a: string, b: string, n: number): number {
  const left = grams(a, n);
  const right = grams(b, n);
  let shared = 0;
  let total = 0;
  for (const [gram, count] of left) {
    shared += Math.min(count, right.get(gram) ?? 0);
    total += count;
  }
  for (const count of right.values()) total += count;
  return total === 0 ? 1 : (2 * shared) / total;
}

function grams(text: string, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  if (text.length === 0) return counts;
  if (text.length < n) {
    counts.set(text, 1);
    return counts;
  }
  for (let i = 0; i + n <= text.length; i++) {
    const gram = text.slice(i, i + n);
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}
