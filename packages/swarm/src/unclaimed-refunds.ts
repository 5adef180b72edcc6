/**
 * An audit of the relays: refunds addressed to the buyer (expiry feedback, results of its tab closes) whose
 * ecash nobody has claimed yet. After a run has collected its refunds this should come to 0 sats; the
 * soak checks it. Reads and asks the mint only: takes nothing in.
 */
import { getPublicKey, type NostrEvent, type RelayPool } from "@pylon/nostr";
import { Kind, parseJobResult, TAB_REFUND_TOPIC } from "@pylon/protocol";
import { paging } from "./refund-collector.js";
import type { RefundSource, RefundState } from "./refund-store.js";
import type { RunStore } from "./run-store.js";
import { readTabRefund } from "./tab-refunds.js";

export interface UnclaimedRefunds {
  /** Sats in refund tokens on the relays that the mint still counts unspent. */
  sats: number;
  /** Refund tokens found (claimed or not). */
  tokens: number;
  /** Each token with unclaimed sats: where it came from and what the buyer's refund store says of it. */
  unclaimed: UnclaimedRefund[];
  errors: string[];
}

export interface UnclaimedRefund {
  source: RefundSource;
  /** The expiry feedback's event id, or the close job's id. */
  id: string;
  provider: string;
  /** When the provider published it, unix seconds. */
  createdAt: number;
  sats: number;
  /** The buyer's record of it (none: never seen by a collection). */
  state: RefundState | "unknown";
  error?: string;
}

export async function unclaimedRefunds(options: {
  pool: RelayPool;
  secretKey: Uint8Array;
  store: RunStore;
  wallet: { unclaimedSats(token: string): Promise<number> };
  timeoutMs?: number;
}): Promise<UnclaimedRefunds> {
  const { pool, secretKey, store } = options;
  const me = getPublicKey(secretKey);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const out: UnclaimedRefunds = { sats: 0, tokens: 0, unclaimed: [], errors: [] };
  const tokens = new Map<string, { source: RefundSource; id: string; provider: string; createdAt: number }>();
  try {
    const filter = { kinds: [Kind.JobFeedback], "#p": [me], "#t": [TAB_REFUND_TOPIC] };
    for (const event of await pool.queryAll(filter, paging(timeoutMs))) {
      const refund = readTabRefund(event, secretKey);
      if (refund && !tokens.has(refund.token))
        tokens.set(refund.token, {
          source: "expiry",
          id: event.id,
          provider: refund.provider,
          createdAt: event.created_at,
        });
    }
    const closes = store.refunds.list(me).filter((row) => row.source === "close");
    if (closes.length > 0) {
      const events = await pool.queryAll(
        { "#e": closes.map((row) => row.id), "#p": [me] },
        paging(timeoutMs),
      );
      for (const event of events) {
        const token = closeToken(event, secretKey);
        const closeId = event.tags.find((tag) => tag[0] === "e")?.[1];
        if (token && closeId && !tokens.has(token))
          tokens.set(token, {
            source: "close",
            id: closeId,
            provider: event.pubkey,
            createdAt: event.created_at,
          });
      }
    }
  } catch (error) {
    out.errors.push(error instanceof Error ? error.message : String(error));
  }
  for (const [token, found] of tokens) {
    out.tokens++;
    try {
      const sats = await options.wallet.unclaimedSats(token);
      if (sats === 0) continue;
      out.sats += sats;
      const row = store.refunds.get(me, found.id);
      out.unclaimed.push({
        ...found,
        sats,
        state: row?.state ?? "unknown",
        ...(row?.error ? { error: row.error } : {}),
      });
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
