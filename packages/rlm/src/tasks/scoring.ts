/**
 * The paper's metrics. Numeric answers score 0.75^|error| (so being off by one still earns 0.75), labels and
 * other short answers score exact match after normalisation, pair lists score F1 over pairs, S-NIAH scores
 * whether the magic number is in the answer (as RULER does).
 */

/** The first number in `text` (thousands separators allowed), or undefined. */
export function firstNumber(text: string): number | undefined {
  const match = /-?\d[\d,]*(?:\.\d+)?/.exec(text);
  if (!match) return undefined;
  const value = Number(match[0].replace(/,/g, ""));
  return Number.isFinite(value) ? value : undefined;
}

export function scoreNumeric(answer: string | null, gold: number): number {
  const value = answer === null ? undefined : firstNumber(answer);
  return value === undefined ? 0 : 0.75 ** Math.abs(value - gold);
}

export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** 1 when the normalised answer equals one of the accepted answers. */
export function scoreExact(answer: string | null, accepted: readonly string[]): number {
  if (answer === null) return 0;
  const given = normalise(answer);
  return accepted.some((gold) => normalise(gold) === given) ? 1 : 0;
}

export function scoreNeedle(answer: string | null, value: string): number {
  if (answer === null) return 0;
  return new RegExp(`(^|\\D)${value}(\\D|$)`).test(answer) ? 1 : 0;
}

/** Pairs of integers written as "(a, b)", "a,b", "a-b" or "a b" on a line; each normalised lower id first. */
export function parsePairs(text: string): Set<string> {
  const pairs = new Set<string>();
  for (const match of text.matchAll(/(\d+)[ \t]*(?:,|-|–|&|\band\b|[ \t])[ \t]*(\d+)/g)) {
    const a = Number(match[1]);
    const b = Number(match[2]);
    if (a === b) continue;
    pairs.add(a < b ? `${a},${b}` : `${b},${a}`);
  }
  return pairs;
}

export function f1(predicted: ReadonlySet<string>, gold: ReadonlySet<string>): number {
  if (predicted.size === 0 && gold.size === 0) return 1;
  let hits = 0;
  for (const item of predicted) if (gold.has(item)) hits++;
  if (hits === 0) return 0;
  const precision = hits / predicted.size;
  const recall = hits / gold.size;
  return (2 * precision * recall) / (precision + recall);
}

export function scorePairs(answer: string | null, gold: ReadonlySet<string>): number {
  return f1(answer === null ? new Set() : parsePairs(answer), gold);
}
