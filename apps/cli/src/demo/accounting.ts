/**
 * Where every sat went, once the tabs are closed and the providers have redeemed and stopped:
 *   buyer spent (funded − unspent − reserved) = providers' ecash + mint fees + the buyer's reclaimable
 * (locked or handed-out value not yet back), to the sat; and the mint issued exactly what was funded.
 */
import type { RunningMint } from "@pylon/mint";
import type { PylonWallet } from "@pylon/wallet";

export interface ProviderMoney {
  /** Spendable ecash in the provider's wallet after its tab was closed and every proof redeemed. */
  earnedSats: number;
  /** What its tab charged for the jobs it ran (actual tokens × price), msats. */
  chargedMsats: number;
  depositedMsats: number;
  refundedMsats: number;
}

export interface Accounting {
  fundedSats: number;
  /** Funded minus what the wallet still holds spendable (or reserved mid-operation). */
  spentSats: number;
  providersEarnedSats: number;
  /** NUT-02 input fees and Lightning fees the mint kept. */
  mintFeesSats: number;
  /** Buyer value locked or handed out and not claimed: the wallet can take it back. */
  reclaimableSats: number;
  mintedSats: number;
  holds: boolean;
  /** The invariant with the figures, for people. */
  line: string;
}

export async function settleAccounts(
  wallet: PylonWallet,
  mint: RunningMint,
  fundedSats: number,
  providers: ProviderMoney[],
): Promise<Accounting> {
  await wallet.checkPending(); // proofs the providers redeemed are spent now, no longer reclaimable
  const { total } = wallet.balance();
  const stats = mint.stats();
  const spentSats = fundedSats - total.unspent - total.reserved;
  const providersEarnedSats = providers.reduce((sum, p) => sum + p.earnedSats, 0);
  const mintFeesSats = stats.inputFees + stats.lightningFees;
  const reclaimableSats = total.pending;
  const right = providersEarnedSats + mintFeesSats + reclaimableSats;
  const holds = spentSats === right && stats.minted === fundedSats;
  const line =
    `buyer spent ${spentSats} = providers earned ${providersEarnedSats} + mint fees ${mintFeesSats} + ` +
    `reclaimable ${reclaimableSats} sats: ${holds ? "holds to the sat" : `DOES NOT HOLD (right side ${right}, minted ${stats.minted} of ${fundedSats})`}`;
  return {
    fundedSats,
    spentSats,
    providersEarnedSats,
    mintFeesSats,
    reclaimableSats,
    mintedSats: stats.minted,
    holds,
    line,
  };
}
