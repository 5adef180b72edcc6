/**
 * Collects every refund addressed to the buyer that the relays hold: expiry refunds (a provider's kind-7000
 * feedback carrying a `cashuB…` token, see tab-refunds.ts) and the results of tab closes that were given up
 * on before they arrived (their ids are `awaiting` in the refund store). Each token is taken into the
 * wallet once: the refund store records it before anything else may count it, and the tab it settles gets
 * its refund (and closing charge) in the tab store, under the run that last used that tab.
 */
import { getPublicKey, type NostrEvent, type RelayPool } from "@pylon/nostr";
import { Kind, parseJobResult, TAB_REFUND_TOPIC } from "@pylon/protocol";
import { type IntakeWallet, takeRefund } from "./refund-intake.js";
import type { RefundSource } from "./refund-store.js";
import type { RunStore } from "./run-store.js";
import { closingChargeMsats } from "./tab-ledger.js";
import { readTabRefund } from "./tab-refunds.js";

/** The wallet a collection takes refunds into (see refund-intake.ts). */
export type RefundWallet = IntakeWallet;

export interface CollectRefundsOptions {
  pool: RelayPool;
  secretKey: Uint8Array;
  wallet: RefundWallet;
  store: RunStore;
  /** The mint the wallet's tabs are at (canonical URL). */
  mint: string;
  /** Bound on each page of a relay read, ms (the whole read: six times it). Default 5,000. */
  timeoutMs?: number;
  /** How far back expiry refunds are searched before the last search, seconds (clock skew). Default 600. */
  overlapSec?: number;
}

export interface CollectedRefund {
  /** Close job id (`close`) or the refund event's id (`expiry`). */
  id: string;
  source: RefundSource;
  provider: string;
  /** What the wallet gained, sats (the token's face value less `feeSats`, which it carried). */
  sats: number;
  /** Mint fee of taking it in. */
  feeSats: number;
  /** The run whose tab it settled, when the tab store knew the tab. */
  runId: string | undefined;
  /** Why it was not taken in. */
  error?: string;
  /** Not taken in yet: the mint has not decided (unreachable, or its answer to a receive is awaited). */
  pending?: boolean;
}

export interface RefundCollection {
  refunds: CollectedRefund[];
  /** Sats taken in by this collection. */
  takenSats: number;
  /** Tab closes whose refund is not taken in yet (its result not on any relay, or its receive pending). */
  awaiting: number;
  /** Refunds found whose receive the mint has not decided: taken on a later collection. */
  pending: number;
  /** Why a relay search failed (the next collection searches again). */
  errors: string[];
}

/** Finds the refunds to us on the relays and takes each new one into the wallet. Never throws for relay trouble. */
export async function collectRefunds(options: CollectRefundsOptions): Promise<RefundCollection> {
  const { pool, secretKey, store } = options;
  const me = getPublicKey(secretKey);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const collection: RefundCollection = { refunds: [], takenSats: 0, awaiting: 0, pending: 0, errors: [] };
  const found: Array<{ id: string; source: RefundSource; provider: string; token: string; rest: number }> =
    [];

  // Expiry refunds published since the last search (less an overlap for clocks that disagree).
  const startedAt = Math.floor(Date.now() / 1000);
  const searched = store.refunds.searchedUntil(me);
  let searchMark: number | undefined;
  try {
    // Every one, however many: relays cap what one query returns (often the newest 100).
    const incomplete: string[] = [];
    const events = await pool.queryAll(
      {
        kinds: [Kind.JobFeedback],
        "#p": [me],
        "#t": [TAB_REFUND_TOPIC],
        ...(searched === undefined ? {} : { since: searched - (options.overlapSec ?? 600) }),
      },
      { ...paging(timeoutMs), onIncomplete: ({ relay, reason }) => incomplete.push(`${relay}: ${reason}`) },
    );
    for (const event of unique(events)) {
      const refund = readTabRefund(event, secretKey);
      if (refund)
        found.push({
          id: event.id,
          source: "expiry",
          provider: refund.provider,
          token: refund.token,
          rest: 0,
        });
    }
    // A relay read only in part is searched again next time from the same point.
    if (incomplete.length === 0) searchMark = startedAt;
    else collection.errors.push(`searching for expiry refunds: ${incomplete.join("; ")}`);
  } catch (error) {
    collection.errors.push(`searching for expiry refunds: ${messageOf(error)}`);
  }

  // Closes given up on: their results carry the token.
  const awaiting = store.refunds.list(me, "awaiting").filter((row) => row.mint === options.mint);
  if (awaiting.length > 0) {
    try {
      const events = await pool.queryAll(
        {
          "#e": awaiting.map((row) => row.id),
          "#p": [me],
          authors: [...new Set(awaiting.map((r) => r.provider))],
        },
        paging(timeoutMs),
      );
      for (const event of unique(events)) {
        const close = readCloseResult(event, secretKey, awaiting);
        if (close) found.push({ source: "close", ...close });
      }
    } catch (error) {
      collection.errors.push(`searching for tab close results: ${messageOf(error)}`);
    }
  }

  let expiryPending = false;
  for (const refund of found) {
    if (store.refunds.get(me, refund.id)?.state === "taken") continue;
    const row = { id: refund.id, source: refund.source, provider: refund.provider, mint: options.mint };
    const collected: CollectedRefund = { ...row, sats: 0, feeSats: 0, runId: undefined };
    const intake = await takeRefund(options.wallet, refund.id, refund.token);
    if (intake.state === "taken") {
      // What the wallet gained: a provider's refund token carries the mint's fee for taking it in.
      collected.sats = intake.amount;
      collected.feeSats = intake.fee;
      store.refunds.settle(me, row, { state: "taken", sats: collected.sats });
      collected.runId = settleTab(
        store,
        me,
        options.mint,
        refund.provider,
        collected.sats * 1000,
        refund.rest,
      );
      collection.takenSats += collected.sats;
    } else if (intake.state === "pending") {
      // Undecided at the mint: a close stays awaited, and an expiry refund's search is not moved past it.
      collected.error = intake.error;
      collected.pending = true;
      collection.pending++;
      if (refund.source === "expiry") expiryPending = true;
    } else {
      collected.error = intake.error;
      store.refunds.settle(me, row, { state: "failed", error: collected.error });
    }
    collection.refunds.push(collected);
  }
  if (searchMark !== undefined && !expiryPending) store.refunds.markSearched(me, searchMark);
  collection.awaiting = store.refunds.list(me, "awaiting").filter((r) => r.mint === options.mint).length;
  return collection;
}

/** A close job's result to us: its refund token and the sub-sat rest the provider keeps. */
function readCloseResult(
  event: NostrEvent,
  secretKey: Uint8Array,
  awaiting: ReadonlyArray<{ id: string; provider: string }>,
): { id: string; provider: string; token: string; rest: number } | undefined {
  const parsed = parseJobResult(event, { secretKey });
  if (!parsed.ok) return undefined;
  const { result } = parsed;
  const close = awaiting.find((row) => row.id === result.jobId && row.provider === result.provider);
  const token = result.content.trim();
  if (!close || !token.startsWith("cashu")) return undefined;
  return { id: close.id, provider: close.provider, token, rest: result.tabMsats ?? 0 };
}

/**
 * Writes a refund onto the buyer's tab at `provider`, under the run that last used it, with the closing
 * charge (what the tab held beyond the recorded charges, this refund and the rest the provider keeps).
 * Returns that run's id; undefined when the tab store has no such tab.
 */
function settleTab(
  store: RunStore,
  buyer: string,
  mint: string,
  provider: string,
  refundMsats: number,
  saidRestMsats: number | undefined,
): string | undefined {
  const tab = store.tabs.list(buyer, mint).find((t) => t.provider === provider);
  const runId = store.tabs
    .events(buyer, mint)
    .filter((e) => e.provider === provider)
    .at(-1)?.runId;
  if (!tab || runId === undefined) return undefined;
  const event = { buyer, provider, mint, runId };
  // An expiry refund is the tab's whole sats; the sub-sat rest stays there. The balance the provider last
  // reported (a tab expires idle) says what that rest is; without one, our per-job charges are taken as
  // right but for that rest.
  const unexplained = tab.depositedMsats - tab.chargedMsats - tab.refundedMsats - refundMsats;
  const reported =
    tab.balanceMsats !== null && tab.balanceMsats >= refundMsats ? tab.balanceMsats - refundMsats : undefined;
  const restMsats = saidRestMsats ?? reported ?? ((unexplained % 1000) + 1000) % 1000;
  if (tab.state === "open") {
    const charge = closingChargeMsats(tab, refundMsats, restMsats);
    if (charge !== 0) store.tabs.record({ ...event, kind: "charge", msats: charge, balanceMsats: restMsats });
  }
  store.tabs.record({ ...event, kind: "refund", msats: refundMsats, balanceMsats: restMsats });
  return runId;
}

/** Each page bounded like one query used to be; the whole read a few times that. */
export function paging(pageTimeoutMs: number): { pageTimeoutMs: number; timeoutMs: number } {
  return { pageTimeoutMs, timeoutMs: pageTimeoutMs * 6 };
}

function unique(events: NostrEvent[]): NostrEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => !seen.has(event.id) && seen.add(event.id));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
