/**
 * Locked payments (NUT-11) for many providers in ONE swap: each provider gets outputs locked to its payment
 * key (one required signer), with a locktime and this wallet's key as refund key, so an unredeemed payment
 * comes back after the locktime. Each provider's amount is raised by the input fee it will pay to redeem
 * the proofs, so it nets its price. Results are grouped by the lock key read from each proof.
 */
import { type Keyset, OutputData, splitAmount } from "@cashu/cashu-ts";
import { WalletError } from "../errors.js";
import type { Operation } from "../store/operations.js";
import type { OpContext } from "./context.js";
import { withSelectionFallback } from "./select.js";
import { prepareOrExplain } from "./send.js";
import { runSwap } from "./swap.js";
import type { LockedToken } from "./tokens.js";

export interface LockRequest {
  /** The provider's payment public key (compressed, or x-only as Nostr writes it). */
  pubkey: string;
  /** What the provider must net. */
  amountSats: number;
  /** Unix seconds after which this wallet may take the payment back. */
  locktime: number;
}

export interface LockResult {
  op: Operation;
  /** One token per lock key, holding its DLEQ proofs (NUT-12) for offline checking. */
  payments: LockedToken[];
}

export async function createLockedPayments(
  ctx: OpContext,
  mintUrl: string,
  requests: LockRequest[],
  opts: { now?: number } = {},
): Promise<LockResult> {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const seen = new Set<string>();
  for (const r of requests) {
    const key = normalizeKey(r.pubkey);
    if (seen.has(key)) throw new WalletError("invalid-argument", `two payments to the same key ${key}`);
    seen.add(key);
    if (!Number.isSafeInteger(r.amountSats) || r.amountSats <= 0) {
      throw new WalletError(
        "invalid-argument",
        `amount must be a positive whole number of sats, got ${r.amountSats}`,
      );
    }
    if (!Number.isSafeInteger(r.locktime) || r.locktime <= now) {
      throw new WalletError("invalid-argument", `locktime ${r.locktime} is not in the future`);
    }
  }
  if (requests.length === 0) throw new WalletError("invalid-argument", "no payments to make");
  const wallet = await ctx.mint(mintUrl);
  const keyset = wallet.getKeyset();
  const data = requests.flatMap((r) =>
    OutputData.createP2PKData(
      { pubkey: normalizeKey(r.pubkey), locktime: r.locktime, refundKeys: [ctx.key.pubkey] },
      withRedeemFee(r.amountSats, keyset),
      keyset,
    ),
  );
  const total = data.reduce((s, d) => s + d.blindedMessage.amount.toNumber(), 0);
  const unspent = ctx.proofs.list({ mintUrl, state: "unspent" }).map((s) => s.proof);
  // Custom outputs get no automatic fee handling: the swap's own input fee comes out of the change.
  const preview = await withSelectionFallback(wallet, unspent, total, (inputs) =>
    prepareOrExplain(mintUrl, () =>
      wallet.prepareSwapToSend(
        total,
        inputs,
        { keysetId: keyset.id },
        { send: { type: "custom", data }, keep: { type: "deterministic", counter: 0 } },
      ),
    ),
  );
  const op = await runSwap(ctx, wallet, {
    kind: "lock",
    mintUrl,
    amount: total,
    detail: { requests: requests.map((r) => ({ ...r, pubkey: normalizeKey(r.pubkey) })) },
    preview,
    sendRole: "lock",
  });
  return { op, payments: (op.detail.locked as LockedToken[] | undefined) ?? [] };
}

/** `price` plus the input fee of redeeming the proofs it splits into (which may add a proof, hence the loop). */
export function withRedeemFee(price: number, keyset: Pick<Keyset, "keys" | "fee">): number {
  let amount = price;
  for (let i = 0; i < 64; i++) {
    const n = splitAmount(amount, keyset.keys).length;
    const needed = price + Math.ceil((n * keyset.fee) / 1000);
    if (needed <= amount) return amount;
    amount = needed;
  }
  throw new WalletError(
    "invalid-argument",
    `input fee of ${keyset.fee} ppk does not converge for ${price} sats`,
  );
}

function normalizeKey(pubkey: string): string {
  const k = pubkey.toLowerCase();
  if (/^0[23][0-9a-f]{64}$/.test(k)) return k;
  if (/^[0-9a-f]{64}$/.test(k)) return `02${k}`;
  throw new WalletError("invalid-argument", `"${pubkey}" is not a public key`);
}
