/**
 * The payment hook: a policy decides, on a job's quote and before any work, whether the job is paid for.
 * The node uses `CashuPolicy` when it takes ecash, `freePolicy` when told to serve for free, and
 * `paymentRequiredPolicy` otherwise.
 */
import type { JobRequest, TokenUsage } from "@pylon/protocol";
import type { PriceQuote } from "../pricing.js";

export type PaymentDecision =
  | { ok: true }
  /** No work until paid: the buyer gets `payment-required` with this amount. */
  | {
      ok: false;
      feedback: "payment-required";
      amountMsats: number;
      detail?: string;
      /** A Lightning invoice for `amountMsats`, sent as `["amount", msats, bolt11]` (standard NIP-90 clients). */
      bolt11?: string;
      /**
       * With `bolt11`: resolves true once the invoice is paid and its ecash is in the node's wallet (the job
       * then runs), false when it expired unpaid (the job is dropped, no work done).
       */
      paid?: Promise<boolean>;
      /** A NUT-18 Cashu payment request (`creqA…`), sent as a `["creq", …]` tag. */
      paymentRequest?: string;
    }
  /** The payment offered is unacceptable (wrong mint, spent token…): the buyer gets `error`. */
  | { ok: false; feedback: "error"; reason: string }
  /** Answered without inference (e.g. a tab's refund token): the result carries `output`, nothing is owed. */
  | { ok: false; feedback: "result"; output: string };

/** Decides, before any work, whether a job is paid for (`CashuPolicy` for ecash). */
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
   * For a job quoted with a Lightning invoice before a restart: resolves true once that invoice is paid and
   * minted (at once when the wallet's recovery minted it), false when it expires; undefined when the job
   * had no invoice.
   */
  invoicePaid?(jobId: string): Promise<boolean> | undefined;
  /**
   * Called when an accepted job ends, before its buyer is told: `costMsats` is the price of what it
   * actually used (0 when it failed or never ran). Tabs charge this and free the rest of the reserve.
   */
  settle?(jobId: string, costMsats: number): void;
  /** Jobs whose reserve (a tab's) is not settled yet: the node releases those whose job has ended. */
  openHolds?(): string[];
  /**
   * Called after `settle(jobId, 0)` when an accepted job ends with an error (no result): such a job costs
   * nothing however it was paid (docs/payments.md, "A paid job that fails before generating"). Gives its
   * payment back and returns a note for the buyer saying where it went, if there was one.
   */
  returnPayment?(job: { id: string; buyer: string }): string | undefined;
  /** Extra tags for a result to `job`'s buyer (e.g. the remaining tab balance). */
  resultTags?(job: Pick<JobRequest, "buyer">): string[][];
}

/** Serves everything without payment. Used only when the operator configured `free: true`. */
export const freePolicy: PaymentPolicy = {
  name: "free",
  verifyPayment: () => ({ ok: true }),
};

/**
 * The default of a node that takes no ecash and was not told to serve for free: every job is quoted and
 * refused with `payment-required`, and no work is done.
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
