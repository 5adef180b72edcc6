/**
 * Payment tags. Amounts on the wire are millisatoshis as decimal strings (NIP-90).
 *
 * - `["bid", msats]` on a request: the most the customer will pay.
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
