/**
 * Buyer side of tab expiry: when a tab expires with a balance, its provider sends the unused whole sats
 * back on its own, as a kind-7000 `success` feedback to the buyer (`["p", me]`, `["e", opening job]`,
 * `["tab", "0", expires_at]`, `["t", "pylon-tab-refund"]`) whose NIP-44-encrypted content is a bearer `cashuB…` token. These helpers
 * find such refunds (query or subscribe), decrypt them and `receive` the token into the buyer's wallet.
 */
import {
  type Filter,
  getPublicKey,
  type NostrEvent,
  type RelayPool,
  type SubscriptionHandle,
} from "@pylon/nostr";
import { Kind, parseJobFeedback, TAB_REFUND_TOPIC } from "@pylon/protocol";
import type { PylonWallet } from "@pylon/wallet";

export interface TabRefundReceipt {
  /** The feedback event that carried it. */
  eventId: string;
  provider: string;
  /** The job that opened the tab. */
  jobId: string;
  token: string;
  /** Sats taken into the wallet; 0 when not received (see `error`). */
  receivedSats: number;
  /** Why the token was not taken in (e.g. already received: its proofs are spent). */
  error?: string;
}

export interface TabRefundOptions {
  /** Only refunds from this provider (its Nostr pubkey). */
  provider: string;
  /** Only events at or after this time (unix seconds). */
  since?: number;
}

function refundFilter(me: string, options: TabRefundOptions): Filter {
  return {
    kinds: [Kind.JobFeedback],
    authors: [options.provider],
    "#p": [me],
    "#t": [TAB_REFUND_TOPIC],
    ...(options.since === undefined ? {} : { since: options.since }),
  };
}

/** Reads one refund event: the token, or undefined when the event is not a tab refund to us. */
export function readTabRefund(
  event: NostrEvent,
  secretKey: Uint8Array,
): { provider: string; jobId: string; token: string } | undefined {
  if (!event.tags.some((tag) => tag[0] === "tab")) return undefined;
  const parsed = parseJobFeedback(event, { secretKey });
  if (!parsed.ok || parsed.feedback.status !== "success") return undefined;
  const token = parsed.feedback.content.trim();
  if (!token.startsWith("cashu")) return undefined;
  return { provider: parsed.feedback.provider, jobId: parsed.feedback.jobId, token };
}

async function take(
  event: NostrEvent,
  secretKey: Uint8Array,
  wallet: PylonWallet,
): Promise<TabRefundReceipt | undefined> {
  const refund = readTabRefund(event, secretKey);
  if (!refund) return undefined;
  const receipt: TabRefundReceipt = { eventId: event.id, ...refund, receivedSats: 0 };
  try {
    const op = await wallet.receive(refund.token);
    receipt.receivedSats = op.amount;
  } catch (error) {
    receipt.error = String(error instanceof Error ? error.message : error);
  }
  return receipt;
}

/**
 * Queries the relays for `options.provider`'s tab refunds to us and receives each token into `wallet`
 * (a token already received fails at the mint and is reported with `error`, nothing credited twice).
 */
export async function receiveTabRefunds(
  pool: RelayPool,
  secretKey: Uint8Array,
  wallet: PylonWallet,
  options: TabRefundOptions & { timeoutMs?: number },
): Promise<TabRefundReceipt[]> {
  // All of them: relays cap what one query returns.
  const events = await pool.queryAll(
    refundFilter(getPublicKey(secretKey), options),
    options.timeoutMs === undefined
      ? {}
      : { pageTimeoutMs: options.timeoutMs, timeoutMs: options.timeoutMs * 6 },
  );
  const receipts: TabRefundReceipt[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const receipt = await take(event, secretKey, wallet);
    if (receipt) receipts.push(receipt);
  }
  return receipts;
}

/** Like receiveTabRefunds, as they arrive: `onRefund` is called for each refund event taken in. */
export function watchTabRefunds(
  pool: RelayPool,
  secretKey: Uint8Array,
  wallet: PylonWallet,
  options: TabRefundOptions & { onRefund: (receipt: TabRefundReceipt) => void },
): SubscriptionHandle {
  const seen = new Set<string>();
  return pool.subscribe(refundFilter(getPublicKey(secretKey), options), {
    onevent: (event) => {
      if (seen.has(event.id)) return;
      seen.add(event.id);
      void take(event, secretKey, wallet).then((receipt) => {
        if (receipt) options.onRefund(receipt);
      });
    },
  });
}
