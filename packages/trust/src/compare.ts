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
  if (a === b) return { agree: true, reason: "identical", commonPrefix: [...a].length, similarity: 1 };
  // Characters are code points: an emoji or a rare CJK character is one character, not two UTF-16 halves.
  const left = [...a];
  const right = [...b];
  let commonPrefix = 0;
  const shorter = Math.min(left.length, right.length);
  while (commonPrefix < shorter && left[commonPrefix] === right[commonPrefix]) commonPrefix++;
  const similarity = diceOf(left, right, gramSize);
  // An empty answer agrees only with an empty one (above): "shares all of the shorter" must not rescue it.
  if (shorter > 0 && commonPrefix >= Math.min(prefixChars, shorter))
    return { agree: true, reason: "prefix", commonPrefix, similarity };
  if (similarity >= minSimilarity) return { agree: true, reason: "similar", commonPrefix, similarity };
  return { agree: false, reason: "different", commonPrefix, similarity };
}

/** Dice coefficient of the multisets of character n-grams (texts shorter than n compare as one gram). */
export function diceSimilarity(a: string, b: string, n: number): number {
  return diceOf([...a], [...b], n);
}

function diceOf(a: readonly string[], b: readonly string[], n: number): number {
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

/** Counts of the n-grams of a text given as code points. */
function grams(chars: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  if (chars.length === 0) return counts;
  if (chars.length < n) {
    counts.set(chars.join(""), 1);
    return counts;
  }
  for (let i = 0; i + n <= chars.length; i++) {
    const gram = chars.slice(i, i + n).join("");
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}
