/**
 * A fallback for cashu-ts 4.8's proof selection, which can find nothing when fees apply and the amount
 * equals a stored denomination (e.g. 32 sats from {32, 256, 8192} at 100 ppk: 32 alone nets 31, and its
 * local search never swaps it out). Then the caller retries with the inputs picked here: the smallest single
 * proof that covers `amount` after its own input fee, else the largest proofs until they do.
 */
import type { Wallet as CashuWallet, Proof } from "@cashu/cashu-ts";
import { WalletError } from "../errors.js";

export function coveringInputs(wallet: CashuWallet, proofs: Proof[], amount: number): Proof[] | undefined {
  const net = (set: Proof[]) =>
    set.reduce((s, p) => s + p.amount.toNumber(), 0) - wallet.getFeesForProofs(set).toNumber();
  const ascending = [...proofs].sort((a, b) => a.amount.toNumber() - b.amount.toNumber());
  const single = ascending.find((p) => net([p]) >= amount);
  if (single) return [single];
  const picked: Proof[] = [];
  for (const p of ascending.reverse()) {
    picked.push(p);
    if (net(picked) >= amount) return picked;
  }
  return undefined;
}

/** Runs `prepare(unspent)`; when cashu-ts finds no selection although the funds suffice, retries with coveringInputs. */
export async function withSelectionFallback<T>(
  wallet: CashuWallet,
  unspent: Proof[],
  amount: number,
  prepare: (proofs: Proof[]) => Promise<T>,
): Promise<T> {
  try {
    return await prepare(unspent);
  } catch (err) {
    if (!(err instanceof WalletError) || err.code !== "insufficient-balance") throw err;
    const inputs = coveringInputs(wallet, unspent, amount);
    if (!inputs || inputs.length === unspent.length) throw err;
    return prepare(inputs);
  }
}
