/**
 * Per-token pricing in millisatoshis. Products are computed in BigInt so huge token counts or prices
 * cannot lose precision; results must still fit a safe integer, otherwise RangeError. The exact total is
 * rounded up once (not per component), so the provider is never short and the payer overpays < 1 msat.
 */
import { assertMsats } from "./payment.js";

export interface TokenPrice {
  /** Millisats per 1,000 prompt tokens. */
  inputMsatsPer1k: number;
  /** Millisats per 1,000 generated tokens. */
  outputMsatsPer1k: number;
  /** Floor on any job's price (covers per-job overhead), in msats. */
  minimumMsats?: number;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

const THOUSAND = 1000n;

export function assertTokenPrice(price: TokenPrice): void {
  assertMsats(price.inputMsatsPer1k, "inputMsatsPer1k");
  assertMsats(price.outputMsatsPer1k, "outputMsatsPer1k");
  if (price.minimumMsats !== undefined) assertMsats(price.minimumMsats, "minimumMsats");
}

function assertTokens(count: number, what: string): void {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${count}`);
  }
}

function toSafe(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} exceeds the safe integer range`);
  return Number(value);
}

/** Price of a job that used these tokens: ceil((in·pIn + out·pOut) / 1000), at least the minimum. */
export function jobCostMsats(price: TokenPrice, usage: TokenUsage): number {
  assertTokenPrice(price);
  assertTokens(usage.inputTokens, "inputTokens");
  assertTokens(usage.outputTokens, "outputTokens");
  const milli =
    BigInt(usage.inputTokens) * BigInt(price.inputMsatsPer1k) +
    BigInt(usage.outputTokens) * BigInt(price.outputMsatsPer1k);
  const cost = (milli + THOUSAND - 1n) / THOUSAND;
  const minimum = BigInt(price.minimumMsats ?? 0);
  return toSafe(cost > minimum ? cost : minimum, "job cost");
}

/** Most a job can cost before it runs: all of its input and every token it may generate. */
export function maxJobCostMsats(price: TokenPrice, inputTokens: number, maxOutputTokens: number): number {
  return jobCostMsats(price, { inputTokens, outputTokens: maxOutputTokens });
}

/**
 * Largest number of output tokens a budget pays for given the input, or undefined when the input (or the
 * minimum) alone exceeds it. Free output returns Number.MAX_SAFE_INTEGER.
 */
export function maxAffordableOutputTokens(
  price: TokenPrice,
  inputTokens: number,
  budgetMsats: number,
): number | undefined {
  assertTokenPrice(price);
  assertTokens(inputTokens, "inputTokens");
  assertMsats(budgetMsats, "budget");
  if ((price.minimumMsats ?? 0) > budgetMsats) return undefined;
  // ceil(x / 1000) <= B holds exactly when x <= 1000·B, for integer x.
  const room = BigInt(budgetMsats) * THOUSAND - BigInt(inputTokens) * BigInt(price.inputMsatsPer1k);
  if (room < 0n) return undefined;
  if (price.outputMsatsPer1k === 0) return Number.MAX_SAFE_INTEGER;
  const tokens = room / BigInt(price.outputMsatsPer1k);
  return tokens > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(tokens);
}

/** Millisats to whole sats. Rounds up by default: what a payer must send to cover `msats`. */
export function msatsToSats(msats: number, rounding: "up" | "down" = "up"): number {
  assertMsats(msats);
  const whole = Math.floor(msats / 1000);
  return rounding === "up" && msats % 1000 !== 0 ? whole + 1 : whole;
}

export function satsToMsats(sats: number): number {
  if (!Number.isSafeInteger(sats) || sats < 0)
    throw new RangeError(`sats must be a non-negative integer, got ${sats}`);
  return toSafe(BigInt(sats) * THOUSAND, "msats");
}

export type BidCheck = { ok: true } | { ok: false; requiredMsats: number; reason: string };

/**
 * Does a request's bid (a maximum; undefined when the buyer named none) cover our price?
 * No bid means the buyer left the price to us, so it passes; `payment-required` then states it.
 */
export function checkBid(bidMsats: number | undefined, requiredMsats: number): BidCheck {
  assertMsats(requiredMsats, "required amount");
  if (bidMsats === undefined || bidMsats >= requiredMsats) return { ok: true };
  return {
    ok: false,
    requiredMsats,
    reason: `bid of ${bidMsats} msats is below the price of ${requiredMsats} msats`,
  };
}
