/** The sub-calls the lab sends through the market, and what they cost at the test market's PRICES. */
import type { SubcallRequest } from "@pylon/rlm";
import { PRICES } from "@pylon/testkit/market";

export const MAX_TOKENS = 32;

/** Worst case of one sub-call (a prompt of at most 64 tokens, MAX_TOKENS out) at PRICES, msats. */
export const WORST_JOB_MSATS = 64 * (PRICES.inputPer1k / 1000) + MAX_TOKENS * (PRICES.outputPer1k / 1000);

/** Sub-call `i` of a batch: "<label> question <i>", answered "answer to: <label> question <i>". */
export const question = (label: string, i: number, runId = "bench"): SubcallRequest => ({
  messages: [{ role: "user", content: `${label} question ${i}` }],
  maxTokens: MAX_TOKENS,
  depth: 1,
  runId,
});

/** Sats a tab needs to pay `jobs` jobs at their worst-case quote, with room to spare. */
export function depositFor(jobs: number, providers: number): number {
  return Math.ceil(((jobs / providers) * WORST_JOB_MSATS * 1.5) / 1000) + 10;
}
