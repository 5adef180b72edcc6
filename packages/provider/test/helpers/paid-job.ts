/**
 * The buyer's side of per-job payment, as the provider tests play it: lock a token to the provider's
 * announced payment key and send it inside the job's NIP-44-encrypted params. Test-only: the real buyer is
 * @pylon/swarm.
 */

import type { JobClient, JobOutcome, JobSpec } from "@pylon/nostr";
import type { PylonWallet } from "@pylon/wallet";

/** What a buyer reads from a provider's announcement to pay it. */
export interface PaymentTarget {
  /** The provider's Nostr pubkey (the job is p-tagged and encrypted to it). */
  provider: string;
  /** Its payment key (`payment.p2pk` of its announcement). */
  p2pk: string;
  /** A mint it accepts that the buyer's wallet uses. */
  mint: string;
}

/** Default lock: long enough for the provider's checks (10 min minimum) plus the job and its redeem. */
export const DEFAULT_LOCK_SEC = 3_600;

/** A token locked to `target.p2pk` for `amountSats` (plus the provider's redeem fee), from `wallet`. */
export async function lockedTokenFor(
  wallet: PylonWallet,
  target: PaymentTarget,
  amountSats: number,
  lockSec = DEFAULT_LOCK_SEC,
): Promise<string> {
  const locktime = Math.floor(Date.now() / 1000) + lockSec;
  const { payments } = await wallet.createLockedPayments([{ pubkey: target.p2pk, amountSats, locktime }], {
    mint: target.mint,
  });
  const token = payments[0]?.token;
  if (!token) throw new Error("the wallet produced no locked token");
  return token;
}

/** Pays for one job with a fresh locked token and submits it, encrypted, to `target.provider`. */
export async function submitPaidJob(
  client: JobClient,
  wallet: PylonWallet,
  target: PaymentTarget,
  amountSats: number,
  spec: Omit<JobSpec, "provider" | "cashuToken" | "encryption">,
  options: { lockSec?: number; timeoutMs?: number } = {},
): Promise<JobOutcome> {
  const cashuToken = await lockedTokenFor(wallet, target, amountSats, options.lockSec);
  return client.submit(
    { ...spec, provider: target.provider, cashuToken, encryption: "nip44" },
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
}
