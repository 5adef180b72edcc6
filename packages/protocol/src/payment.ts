/**
 * Payment tags. Amounts on the wire are millisatoshis as decimal strings (NIP-90).
 *
 * - `["bid", msats]` on a request: the most the buyer will pay.
 * - `["amount", msats, bolt11?]` on feedback and results: what the provider asks for; a `payment-required`
 *   feedback means no further work until paid.
 * - `["param", "cashu", token]`: reserved for a Cashu token paying for the job. It belongs INSIDE the
 *   encrypted params of an encrypted request, because a token is a bearer instrument (or at best a
 *   P2PK-locked one whose details still should not be public). The payments work defines its checks.
 */
import { z } from "zod";
import type { Tag } from "./tags.js";

export interface PaymentAmount {
  msats: number;
  /** Lightning invoice for exactly `msats`, when the provider offers one. */
  bolt11?: string;
}

/** Param key reserved for a Cashu token inside encrypted params. */
export const CASHU_PARAM = "cashu";

const MSATS_PATTERN = /^\d{1,16}$/;
const msatsStringSchema = z
  .string()
  .regex(MSATS_PATTERN)
  .refine((value) => Number.isSafeInteger(Number(value)), "amount exceeds the safe integer range");

export const bidTagSchema = z.tuple([z.literal("bid"), msatsStringSchema]);
export const amountTagSchema = z.tuple([
  z.literal("amount"),
  msatsStringSchema,
  z.string().min(1).optional(),
]);
export const cashuParamTagSchema = z.tuple([z.literal("param"), z.literal(CASHU_PARAM), z.string().min(1)]);

/**
 * Reads a millisatoshi amount: a non-negative safe integer, as a number or a decimal string (whitespace
 * tolerated). Anything else, including fractions and exponents, is undefined.
 */
export function parseMsats(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (!MSATS_PATTERN.test(trimmed)) return undefined;
  const msats = Number(trimmed);
  return Number.isSafeInteger(msats) ? msats : undefined;
}

export function assertMsats(msats: number, what = "amount"): void {
  if (!Number.isSafeInteger(msats) || msats < 0) {
    throw new RangeError(`${what} must be a non-negative integer number of msats, got ${msats}`);
  }
}

export function bidTag(msats: number): Tag {
  assertMsats(msats, "bid");
  return ["bid", String(msats)];
}

export function amountTag(amount: PaymentAmount): Tag {
  assertMsats(amount.msats);
  return amount.bolt11 ? ["amount", String(amount.msats), amount.bolt11] : ["amount", String(amount.msats)];
}

/** Tag on `payment-required` feedback carrying a NUT-18 Cashu payment request (`creqA…`). */
export const CASHU_REQUEST_TAG = "creq";

export function cashuRequestTag(paymentRequest: string): Tag {
  if (!paymentRequest.startsWith("creq")) throw new TypeError("not a NUT-18 payment request");
  return [CASHU_REQUEST_TAG, paymentRequest];
}

/** The NUT-18 payment request of a feedback, if any. */
export function readCashuRequest(tags: readonly Tag[]): string | undefined {
  const value = tags.find((t) => t[0] === CASHU_REQUEST_TAG)?.[1]?.trim();
  return value?.startsWith("creq") ? value : undefined;
}

export function cashuParamTag(token: string): Tag {
  if (token.trim() === "") throw new TypeError("cashu token must be a non-empty string");
  return ["param", CASHU_PARAM, token];
}

export type AmountRead = { ok: true; amount: PaymentAmount | undefined } | { ok: false; reason: string };

/** Reads the first `amount` tag. A missing tag is fine (undefined); an unreadable one is an error. */
export function readAmount(tags: readonly Tag[]): AmountRead {
  const tag = tags.find((t) => t[0] === "amount");
  if (!tag) return { ok: true, amount: undefined };
  const msats = parseMsats(tag[1]);
  if (msats === undefined)
    return { ok: false, reason: `amount "${String(tag[1]).slice(0, 32)}" is not msats` };
  const bolt11 = tag[2]?.trim();
  return { ok: true, amount: bolt11 ? { msats, bolt11 } : { msats } };
}

/**
 * Tabs (see docs/payments.md): `["param", "tab", "open" | "close"]` inside the encrypted params. `open`
 * carries a locked token (the `cashu` param) that is credited to the buyer's tab at this provider; while
 * a tab is open, jobs are debited from it. `close` asks for the remaining balance back as a token.
 */
export const TAB_PARAM = "tab";
export type TabAction = "open" | "close";

export function tabParamTag(action: TabAction): Tag {
  return ["param", TAB_PARAM, action];
}

/** `["tab", balance_msats, expires_at?]` on results: what is left on the buyer's tab after this job. */
export function tabBalanceTag(balanceMsats: number, expiresAt?: number): Tag {
  assertMsats(balanceMsats, "tab balance");
  return expiresAt === undefined
    ? ["tab", String(balanceMsats)]
    : ["tab", String(balanceMsats), String(expiresAt)];
}

/**
 * `["t", "pylon-tab-refund"]` on a provider's expiry refund: a single-letter tag, which relays index, so a
 * buyer reads its refunds (`{kinds:[7000], "#p":[me], "#t":[TAB_REFUND_TOPIC]}`) and not every feedback it
 * was ever sent, which after a large run is one or more per job.
 */
export const TAB_REFUND_TOPIC = "pylon-tab-refund";

/** The tags that mark a kind-7000 feedback as an expiry refund of a tab that expired at `expiresAt`. */
export function tabRefundTags(expiresAt: number): Tag[] {
  return [tabBalanceTag(0, expiresAt), ["t", TAB_REFUND_TOPIC]];
}

export function readTabBalance(tags: readonly Tag[]): number | undefined {
  const tag = tags.find((t) => t[0] === "tab");
  return tag ? parseMsats(tag[1]) : undefined;
}
