/**
 * An audit of the relays: refunds addressed to the buyer (expiry feedback, results of its tab closes) whose
 * ecash nobody has claimed yet. After a run has collected its refunds this should come to 0 sats; the
 * soak checks it. Reads and asks the mint only: takes nothing in.
 */
import { getPublicKey, type NostrEvent, type RelayPool } from "@pylon/nostr";
import { Kind, parseJobResult } from "@pylon/protocol";
import { paging } from "./refund-collector.js";
import type { RunStore } from "./run-store.js";
import { readTabRefund } from "./tab-refunds.js";

export interface UnclaimedRefunds {
  /** Sats in refund tokens on the relays that the mint still counts unspent. */
  sats: number;
  /** Refund tokens found (claimed or not). */
  tokens: number;
  errors: string[];
}

export async function unclaimedRefunds(options: {
  pool: RelayPool;
  secretKey: Uint8Array;
  store: RunStore;
  wallet: { unclaimedSats(token: string): Promise<number> };
  timeoutMs?: number;
}): Promise<UnclaimedRefunds> {
  const { pool, secretKey } = options;
  const me = getPublicKey(secretKey);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const out: UnclaimedRefunds = { sats: 0, tokens: 0, errors: [] };
  const tokens = new Set<string>();
  try {
    for (const event of await pool.queryAll({ kinds: [Kind.JobFeedback], "#p": [me] }, paging(timeoutMs))) {
      const refund = readTabRefund(event, secretKey);
      if (refund) tokens.add(refund.token);
    }
    const closes = options.store.refunds.list(me).filter((row) => row.source === "close");
    if (closes.length > 0) {
      const events = await pool.queryAll(
        { "#e": closes.map((row) => row.id), "#p": [me] },
        paging(timeoutMs),
      );
      for (const event of events) {
        const token = closeToken(event, secretKey);
        if (token) tokens.add(token);
      }
    }
  } catch (error) {
    out.errors.push(error instanceof Error ? error.message : String(error));
  }
  for (const token of tokens) {
    out.tokens++;
    try {
      out.sats += await options.wallet.unclaimedSats(token);
    } catch (error) {
      out.errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  return out;
}

function closeToken(event: NostrEvent, secretKey: Uint8Array): string | undefined {
  const parsed = parseJobResult(event, { secretKey });
  const token = parsed.ok ? parsed.result.content.trim() : "";
  return token.startsWith("cashu") ? token : undefined;
}
