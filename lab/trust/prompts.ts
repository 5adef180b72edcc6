/**
 * The trust runs' sub-calls: distinct prompts of varied length (4 to 60 words), the same for the same seed,
 * asked greedily (temperature 0) so honest providers on one GGUF give the same answer up to floating-point
 * order. The words are plain English: the generated model's vocabulary tokenises any text.
 */
import { createPrng } from "@pylon/inference";
import type { SubcallRequest } from "@pylon/rlm";
import { PRICES } from "@pylon/testkit/market";

/** Output tokens per sub-call. */
export const TRUST_MAX_TOKENS = 24;
/** Longest prompt, words. */
const MAX_WORDS = 60;

const WORDS = (
  "market relay provider buyer model answer question river stone window garden paper number signal " +
  "silver morning engine harbour letter kitchen forest winter summer bridge candle mirror planet orbit " +
  "thread needle ladder castle valley meadow copper marble island desert ocean thunder lantern compass " +
  "anchor feather pocket basket hammer violin cottage tunnel canyon glacier volcano pepper ginger honey"
).split(" ");

/** Prompt texts `0..count-1` of seed `seed`: each distinct (its index is in it), 4–60 words. */
export function trustPrompts(count: number, seed: number): string[] {
  const random = createPrng(seed * 7919 + 17);
  return Array.from({ length: count }, (_, i) => {
    const words = 4 + Math.floor(random() * random() * (MAX_WORDS - 4)); // skewed short, a long tail
    const text = Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]!);
    return `${i} ${text.join(" ")}`;
  });
}

export function trustRequest(prompt: string, runId: string): SubcallRequest {
  return {
    messages: [{ role: "user", content: prompt }],
    maxTokens: TRUST_MAX_TOKENS,
    temperature: 0,
    depth: 1,
    runId,
  };
}

/** Worst case of one sub-call at PRICES, msats (prompt ≤ 60 words ≈ 120 estimated tokens). */
export const WORST_TRUST_JOB_MSATS =
  160 * (PRICES.inputPer1k / 1000) + TRUST_MAX_TOKENS * (PRICES.outputPer1k / 1000);
