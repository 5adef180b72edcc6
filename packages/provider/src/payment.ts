/**
 * Pricing and the payment hook. A job is priced before any work from its prompt (a token estimate) and the
 * most it may generate; the payment policy then decides whether work may start. The payments work replaces
 * the default policy with one that checks ecash (see PaymentPolicy).
 */
import { estimateTokens } from "@pylon/inference";
import { type JobRequest, maxJobCostMsats, type TokenPrice, type TokenUsage } from "@pylon/protocol";
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

export type PaymentDecision =
  | { ok: true }
  /** No work until paid: the buyer gets `payment-required` with this amount. */
  | {
      ok: false;
      feedback: "payment-required";
      amountMsats: number;
      detail?: string;
      bolt11?: string;
      /** A NUT-18 Cashu payment request (`creqA…`), sent as a `["creq", …]` tag. */
      paymentRequest?: string;
    }
  /** The payment offered is unacceptable (wrong mint, spent token…): the buyer gets `error`. */
  | { ok: false; feedback: "error"; reason: string }
  /** Answered without inference (e.g. a tab's refund token): the result carries `output`, nothing is owed. */
  | { ok: false; feedback: "result"; output: string };

/** Decides, before any work, whether a job is paid for. Implemented by the payments work (ecash). */
export interface PaymentPolicy {
  /** A short name for logs and status. */
  readonly name: string;
  verifyPayment(job: JobRequest, quote: PriceQuote): PaymentDecision | Promise<PaymentDecision>;
  /**
   * What the result's `amount` tag asks for once the work is done (0: nothing is owed). Default 0, since a
   * job only runs once paid for.
   */
  amountOwed?(job: JobRequest, quote: PriceQuote, usage: TokenUsage): number;
  /**
   * Whether a job left `received` by a crash (after its payment was recorded, before it was queued) is paid
   * for: such a job runs after the restart instead of being refused. Default: never.
   */
  isPaid?(jobId: string): boolean;
  /**
   * Called when an accepted job ends, before its buyer is told: `costMsats` is the price of what it
   * actually used (0 when it failed or never ran). Tabs charge this and free the rest of the reserve.
   */
  settle?(jobId: string, costMsats: number): void;
  /** Extra tags for a result to `job`'s buyer (e.g. the remaining tab balance). */
  resultTags?(job: Pick<JobRequest, "buyer">): string[][];
}

/** Serves everything without payment. Used only when the operator configured `free: true`. */
export const freePolicy: PaymentPolicy = {
  name: "free",
  verifyPayment: () => ({ ok: true }),
};

/**
 * The default until ecash payments exist: every job is quoted and refused with `payment-required`, and no
 * work is done. A node serves for free only when told to.
 */
export const paymentRequiredPolicy: PaymentPolicy = {
  name: "payment-required",
  verifyPayment: (_job, quote) => ({
    ok: false,
    feedback: "payment-required",
    amountMsats: quote.amountMsats,
    detail: `this job costs up to ${quote.amountMsats} msats (${quote.inputTokens} input tokens estimated, up to ${quote.maxOutputTokens} output tokens)`,
  }),
};

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
