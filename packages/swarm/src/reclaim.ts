/**
 * The end of a run: tab deposits whose lock expired while their provider never redeemed them (it vanished,
 * or the job carrying the deposit was never published) are taken back into the wallet with its refund key
 * (docs/payments.md, Reclaim). Only this run's deposits are looked at, by the wallet operation (swap) that
 * locked them: other tokens the wallet handed out are none of the swarm's business.
 */

/** The parts of a `PylonWallet` (@pylon/wallet) the reclaim uses. */
export interface ReclaimWallet {
  proofs(filter: { mint?: string }): ReadonlyArray<{
    proof: { amount: { toNumber(): number } };
    createdBy: string | null;
    spentBy: string | null;
    lockPubkey: string | null;
  }>;
  /** Swaps back the operation's unclaimed proofs whose locktime passed; undefined when none were due. */
  reclaim(opts: {
    mint?: string;
    opId?: string;
    now?: number;
  }): Promise<{ id: string; amount: number; fee: number } | undefined>;
}

/** One deposit this run locked. */
export interface LockedDeposit {
  /** The wallet operation (swap) that locked it; one swap locks one deposit per key. */
  opId: string;
  /** The provider (Nostr pubkey): whose tab it went to. */
  provider: string;
  /** The key it is locked to (the provider's announced payment key). */
  lockKey: string;
  /** What it counts for on the tab, msats (its face value may be higher: the provider's redeem fee). */
  msats: number;
  /** Unix seconds after which the wallet may take it back. */
  locktime: number;
  /** False once we know the job carrying it was never published (the tab already took it off). */
  sent: boolean;
  /** The token itself, to send again when its job never left. */
  token?: string;
}

export interface ReclaimedDeposit {
  deposit: LockedDeposit;
  /** Face value of its proofs taken back, sats. */
  sats: number;
}

export interface ReclaimReport {
  /** Face value taken back, sats; the wallet gained this less `feeSats`. */
  sats: number;
  /** The mint's input fees for the reclaim swaps, sats. */
  feeSats: number;
  deposits: ReclaimedDeposit[];
  /** Swaps that failed (mint unreachable, a proof redeemed meanwhile…), by wallet operation. */
  errors: Array<{ opId: string; error: string }>;
}

/** Keys compare by x coordinate: announcements write them x-only, the wallet compressed (02/03 + x). */
const xOnly = (key: string): string => key.toLowerCase().slice(-64);

/**
 * Reclaims, per locking swap, the deposits whose locktime passed and that nobody redeemed, and says which
 * deposit each reclaimed sat belonged to (read back from the proofs the reclaim spent).
 */
export async function reclaimExpiredDeposits(
  wallet: ReclaimWallet,
  mintUrl: string,
  deposits: readonly LockedDeposit[],
  now = Math.floor(Date.now() / 1000),
): Promise<ReclaimReport> {
  const report: ReclaimReport = { sats: 0, feeSats: 0, deposits: [], errors: [] };
  // Only swaps with a deposit past its locktime are asked about: no mint call when nothing can be due.
  const due = deposits.filter((d) => d.locktime < now);
  for (const opId of new Set(due.map((d) => d.opId))) {
    try {
      const op = await wallet.reclaim({ mint: mintUrl, opId, now });
      if (!op) continue;
      report.feeSats += op.fee;
      const taken = wallet
        .proofs({ mint: mintUrl })
        .filter((p) => p.createdBy === opId && p.spentBy === op.id);
      for (const deposit of due.filter((d) => d.opId === opId)) {
        const sats = taken
          .filter((p) => p.lockPubkey !== null && xOnly(p.lockPubkey) === xOnly(deposit.lockKey))
          .reduce((sum, p) => sum + p.proof.amount.toNumber(), 0);
        if (sats === 0) continue;
        report.sats += sats;
        report.deposits.push({ deposit, sats });
      }
    } catch (error) {
      report.errors.push({ opId, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return report;
}
