/**
 * Encoding what an operation handed out: a bearer token for `send`, one token per lock key for `lock`.
 * Grouped by the lock's pubkey read from each proof's secret, never by output position: cashu-ts sorts
 * swap outputs by amount, so positions do not survive the swap.
 */
import { getEncodedToken, getTokenMetadata, type Proof } from "@cashu/cashu-ts";
import { canonicalMintUrl } from "../mint-session.js";
import { readLock } from "../payments/lock-conditions.js";
import type { SignedOutput } from "./record.js";

/** The canonical mint URL and unit a token claims, read without its keysets; undefined when it does not decode. */
export function tokenOrigin(token: string): { mintUrl: string; unit: string } | undefined {
  try {
    const meta = getTokenMetadata(token.trim());
    return { mintUrl: canonicalMintUrl(meta.mint), unit: meta.unit };
  } catch {
    return undefined;
  }
}

export interface LockedToken {
  pubkey: string;
  amountSats: number;
  locktime: number | null;
  token: string;
}

export function handedOutDetail(
  mintUrl: string,
  unit: string,
  outputs: SignedOutput[],
): Record<string, unknown> {
  const send = outputs.filter((o) => o.role === "send").map((o) => o.proof);
  const locked = outputs.filter((o) => o.role === "lock").map((o) => o.proof);
  const detail: Record<string, unknown> = {};
  if (send.length > 0) detail.token = getEncodedToken({ mint: mintUrl, unit, proofs: send });
  if (locked.length > 0) detail.locked = groupLocked(mintUrl, unit, locked);
  return detail;
}

function groupLocked(mintUrl: string, unit: string, proofs: Proof[]): LockedToken[] {
  const groups = new Map<string, Proof[]>();
  for (const p of proofs) {
    const lock = readLock(p.secret);
    const key = lock.ok ? lock.value.pubkey : "unreadable";
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups].map(([pubkey, ps]) => {
    const lock = readLock(ps[0]!.secret);
    return {
      pubkey,
      amountSats: ps.reduce((s, p) => s + p.amount.toNumber(), 0),
      locktime: lock.ok ? (lock.value.locktime ?? null) : null,
      // DLEQ proofs stay in the token (NUT-12): the provider checks them offline.
      token: getEncodedToken({ mint: mintUrl, unit, proofs: ps }),
    };
  });
}
