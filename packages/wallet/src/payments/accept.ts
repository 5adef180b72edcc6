/**
 * Offline acceptance of a P2PK-locked payment by a provider: every check that makes a locked token as good
 * as ecash in hand, with no round trip to the mint (see docs/payments.md for why each one is needed).
 * Cheap checks run first; the DLEQ verification (≈15 ms of curve math per proof) runs last, only for
 * tokens that passed everything else. Nothing is recorded here: the caller records the returned Ys and the
 * credit atomically with the job (PaymentLedger.record), which is also where a concurrent replay is caught.
 */
import { getDecodedToken, hasValidDleq, type Proof } from "@cashu/cashu-ts";
import { xOnly } from "../keys.js";
import { canonicalMintUrl } from "../mint-session.js";
import { tokenOrigin } from "../ops/tokens.js";
import { proofY } from "../proof-y.js";
import type { KeysetDirectory } from "./keysets.js";
import { readLock } from "./lock-conditions.js";

export type RefusalCode =
  | "malformed"
  | "foreign-mint"
  | "unknown-keyset"
  | "bad-dleq"
  | "not-locked"
  | "wrong-key"
  | "multisig"
  /** SIG_ALL (cannot be batch-redeemed with other buyers' proofs). */
  | "unsupported-lock"
  | "locktime-too-close"
  | "no-refund-key"
  | "replayed"
  | "underpaid";

export interface AcceptOptions {
  /** Mints whose ecash is accepted. */
  allowedMints: string[];
  /** Keys fetched from those mints (refreshed by the caller, never from the token). */
  keysets: KeysetDirectory;
  /** The provider's P2PK payment public key (compressed or x-only hex). */
  paymentKey: string;
  /** Unix seconds: every proof's locktime must be at or after this (now + time to finish and redeem). */
  minLocktime: number;
  /** What the job costs; the token must carry this plus the input fees of redeeming it. */
  priceSats: number;
  /** Ys already taken (a PaymentLedger, or any set). */
  seenYs: { has(y: string): boolean };
  /** Unit of the accepted ecash (default "sat"). */
  unit?: string;
}

export interface AcceptedPayment {
  ok: true;
  mintUrl: string;
  /** Face value of the proofs. */
  amountSats: number;
  /** Input fees the mint will charge to redeem them. */
  feeSats: number;
  ys: string[];
  proofs: Proof[];
  /** The earliest locktime among the proofs: redeem before it. */
  earliestLocktime: number;
}

export type PaymentRefusal = { ok: false; code: RefusalCode; reason: string };
export type AcceptResult = AcceptedPayment | PaymentRefusal;

const refuse = (code: RefusalCode, reason: string): PaymentRefusal => ({ ok: false, code, reason });

export function acceptLockedPayment(token: string, opts: AcceptOptions): AcceptResult {
  const unit = opts.unit ?? "sat";
  const origin = tokenOrigin(token);
  if (!origin) return refuse("malformed", "not a cashu token");
  const { mintUrl, unit: tokenUnit } = origin;
  const allowed = new Set(opts.allowedMints.map((m) => canonicalMintUrl(m)));
  if (!allowed.has(mintUrl)) return refuse("foreign-mint", `mint ${mintUrl} is not accepted`);
  if (tokenUnit !== unit) return refuse("malformed", `token unit ${tokenUnit}, expected ${unit}`);

  let proofs: Proof[];
  try {
    proofs = getDecodedToken(token.trim(), opts.keysets.ids(mintUrl)).proofs;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return /keyset/i.test(msg) ? refuse("unknown-keyset", msg) : refuse("malformed", msg);
  }
  if (proofs.length === 0) return refuse("malformed", "token holds no proofs");

  const payTo = xOnly(opts.paymentKey);
  const ys: string[] = [];
  const seenHere = new Set<string>();
  let amount = 0;
  let feePpk = 0;
  let earliestLocktime = Number.POSITIVE_INFINITY;
  for (const p of proofs) {
    const keyset = opts.keysets.get(mintUrl, p.id);
    if (!keyset || keyset.unit !== unit)
      return refuse("unknown-keyset", `keyset ${p.id} is not a known ${unit} keyset of ${mintUrl}`);
    const value = p.amount.toNumber();
    if (!Number.isSafeInteger(value) || value <= 0 || keyset.keys[String(value)] === undefined) {
      return refuse("malformed", `amount ${p.amount.toString()} is not a denomination of keyset ${p.id}`);
    }
    const lock = readLock(p.secret);
    if (!lock.ok) return refuse(lock.code, lock.reason);
    const c = lock.value;
    if (xOnly(c.pubkey) !== payTo) return refuse("wrong-key", "locked to another key");
    if (c.nSigs !== 1 || c.pubkeys.some((k) => xOnly(k) !== payTo)) {
      return refuse("multisig", "more than one key can (or must) sign the main path");
    }
    if (c.sigflag !== "SIG_INPUTS")
      return refuse("unsupported-lock", "SIG_ALL proofs cannot be redeemed in a batch");
    if (c.locktime === undefined || c.locktime < opts.minLocktime) {
      return refuse("locktime-too-close", `locktime ${c.locktime ?? "none"} is before ${opts.minLocktime}`);
    }
    if (c.refundKeys.length === 0) {
      return refuse("no-refund-key", "no refund key: after the locktime anyone could spend it");
    }
    const y = proofY(p.secret);
    if (seenHere.has(y) || opts.seenYs.has(y))
      return refuse("replayed", `proof ${y.slice(0, 16)}… was already used`);
    seenHere.add(y);
    ys.push(y);
    amount += value;
    feePpk += keyset.feePpk;
    earliestLocktime = Math.min(earliestLocktime, c.locktime);
  }

  const fee = Math.ceil(feePpk / 1000);
  if (amount < opts.priceSats + fee) {
    return refuse("underpaid", `token carries ${amount} sats; ${opts.priceSats} + ${fee} fee needed`);
  }
  // Last, because it is the expensive part: the mint's signature on each proof, proven offline (NUT-12).
  for (const p of proofs) {
    const keyset = opts.keysets.get(mintUrl, p.id)!;
    let valid = false;
    try {
      valid = hasValidDleq(p, keyset, { require: true });
    } catch {
      valid = false;
    }
    if (!valid) return refuse("bad-dleq", `proof ${proofY(p.secret).slice(0, 16)}… has no valid DLEQ proof`);
  }
  return { ok: true, mintUrl, amountSats: amount, feeSats: fee, ys, proofs, earliestLocktime };
}
