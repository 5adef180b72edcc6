/**
 * S-NIAH (RULER-style single needle in a haystack): filler text with one sentence "One of the special magic
 * numbers for {key} is: {value}." at a random depth.
 */
import { fillerText } from "./filler.js";
import { Rng } from "./random.js";
import { scoreNeedle } from "./scoring.js";
import { charsForTokens } from "./size.js";
import type { BenchTask } from "./task.js";
import { ANIMALS, COLORS } from "./words.js";

export interface SniahTask extends BenchTask {
  kind: "sniah";
  context: string;
  key: string;
  value: string;
  /** Where the needle sits, as a fraction of the text (0 = start). */
  depth: number;
}

const NEEDLE = /One of the special magic numbers for ([a-z]+-[a-z]+) is: (\d+)\./;

export function generateSniah(sizeTokens: number, seed: number): SniahTask {
  const rng = new Rng(seed);
  const chars = charsForTokens(sizeTokens);
  const key = `${rng.pick(COLORS)}-${rng.pick(ANIMALS)}`;
  const value = String(1_000_000 + rng.int(9_000_000));
  const needle = `One of the special magic numbers for ${key} is: ${value}.`;
  const sentences = fillerText(rng, chars - needle.length - 1);
  const depth = rng.next();
  const at = Math.round(depth * sentences.length);
  sentences.splice(at, 0, needle);
  return {
    kind: "sniah",
    seed,
    sizeTokens,
    context: sentences.join(" "),
    question: `What is the special magic number for ${key} mentioned in the provided text?`,
    gold: value,
    key,
    value,
    depth: sentences.length > 1 ? at / (sentences.length - 1) : 0,
    score: (answer) => scoreNeedle(answer, value),
    oracle: (prompt) => {
      const match = NEEDLE.exec(prompt);
      return match && match[1] === key ? match[2]! : "NONE";
    },
  };
}
