/**
 * Pricing: every job is quoted before any work, from its prompt (a token estimate) and the most it may
 * generate; the payment policy (payments/policy.ts) then decides on that quote whether work may start.
 */
import { estimateTokens } from "@pylon/inference";
import { type JobRequest, maxJobCostMsats, type TokenPrice } from "@pylon/protocol";
import { itemAsJob } from "./jobs/generate-request.js";

export interface PriceQuote {
  price: TokenPrice;
  /** Estimated prompt tokens (characters / 4, system prompt included). */
  inputTokens: number;
  /** The most the job may generate (its max_tokens, or the node's cap). */
  maxOutputTokens: number;
  /** The most the job can cost: the price of every input token and every output token it may produce. */
  amountMsats: number;
  /** For a batch: each item's own quote, in item order (the fields above are their sums). */
  items?: PriceQuote[];
}

/**
 * The upfront quote for a job at `price`, given the node's output cap. A batch costs the sum of its items'
 * quotes (each item priced as the single job it stands for).
 */
export function quoteJob(job: JobRequest, price: TokenPrice, maxTokensCap: number): PriceQuote {
  if (job.batch) {
    const items = job.batch.map((item) => quoteJob(itemAsJob(job, item), price, maxTokensCap));
    const sum = (pick: (quote: PriceQuote) => number) =>
      items.reduce((total, quote) => total + pick(quote), 0);
    return {
      price,
      inputTokens: sum((quote) => quote.inputTokens),
      maxOutputTokens: sum((quote) => quote.maxOutputTokens),
      amountMsats: sum((quote) => quote.amountMsats),
      items,
    };
  }
  const inputTokens = estimateTokens(job.prompt) + estimateTokens(job.systemPrompt ?? "");
  const maxOutputTokens = Math.min(job.params.maxTokens ?? maxTokensCap, maxTokensCap);
  return {
    price,
    inputTokens,
    maxOutputTokens,
    amountMsats: maxJobCostMsats(price, inputTokens, maxOutputTokens),
  };
}
