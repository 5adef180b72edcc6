/**
 * The end of a run's tabs: each open tab is closed with a close job (`["param","tab","close"]`) whose
 * result carries the refund token, which the wallet takes in; then this run's deposits whose lock expired
 * unredeemed are reclaimed (reclaim.ts), which settles their tabs as well.
 */
import { type JobClient, JobError, type JobOutcome } from "@pylon/nostr";
import { type LockedDeposit, type ReclaimWallet, reclaimExpiredDeposits } from "./reclaim.js";
import { type IntakeWallet, takeRefund } from "./refund-intake.js";
import type { RefundStore } from "./refund-store.js";
import { closingChargeMsats } from "./tab-ledger.js";
import type { TabEventKind, TabStore } from "./tab-store.js";

/** The wallet parts a close needs; without `reclaim` and `proofs`, expired deposits are left to the wallet. */
export interface CloseWallet extends Partial<ReclaimWallet>, IntakeWallet {}

/** Sats a run's tabs gave back. */
export interface ReturnedSats {
  /** Taken back from closed tabs. */
  refundedSats: number;
  /** Face value of expired deposits reclaimed; the wallet gained this less `reclaimFeeSats`. */
  reclaimedSats: number;
  reclaimFeeSats: number;
}

export interface TabCloseContext {
  client: JobClient;
  tabs: TabStore;
  mintUrl: string;
  wallet: CloseWallet;
  /** Where each close job is recorded before it is sent, so a close given up on is read back later. */
  refunds?: RefundStore;
  /** Timeout of each close job, ms. */
  closeTimeoutMs: number;
  returned: ReturnedSats;
  /** Writes one payment event of the tab at `provider` (this run's). */
  record(
    provider: string,
    kind: TabEventKind,
    msats: number,
    extra?: { token?: string; balanceMsats?: number },
  ): void;
  /** The tab at `provider` is settled: nothing is left on it. */
  closed(provider: string): void;
  /** This run's deposits: those a provider holding no tab for us never took come back (uncreditedDeposits). */
  deposits?: LockedDeposit[];
}

/** Closes every open tab; resolves with why each tab that could not be closed was not, by provider. */
export async function closeOpenTabs(ctx: TabCloseContext): Promise<Map<string, string>> {
  const open = ctx.tabs.list(ctx.client.pubkey, ctx.mintUrl).filter((t) => t.state === "open");
  const closing = await Promise.allSettled(open.map((row) => closeTab(ctx, row.provider)));
  const unclosed = new Map<string, string>();
  closing.forEach((c, i) => {
    const provider = open[i]?.provider;
    if (c.status === "rejected" && provider) unclosed.set(provider, String(c.reason));
  });
  return unclosed;
}

/** Closes one open tab: the provider returns its whole-sat balance as a token, which the wallet takes in. */
export async function closeTab(ctx: TabCloseContext, provider: string): Promise<void> {
  const { client } = ctx;
  const deadline = Date.now() + ctx.closeTimeoutMs;
  let outcome: JobOutcome;
  let closeId: string;
  for (let attempt = 0; ; attempt++) {
    const request = await client.prepareForRelays({
      prompt: "close",
      provider,
      encryption: "nip44",
      extraParams: { tab: "close" },
    });
    closeId = request.id;
    // Its result carries the refund: one that arrives after we stop waiting is collected later.
    ctx.refunds?.awaitClose(client.pubkey, request.id, provider, ctx.mintUrl);
    try {
      outcome = await client.run(request, { timeoutMs: Math.max(1, deadline - Date.now()) });
      break;
    } catch (error) {
      // Less than a sat left: nothing can come back as ecash; the dust stays with the provider as the rest.
      const dust = error instanceof JobError ? DUST.exec(error.message) : null;
      if (dust) {
        ctx.refunds?.settle(
          client.pubkey,
          { id: request.id, source: "close", provider, mint: ctx.mintUrl },
          { state: "taken", sats: 0 },
        );
        settleClosed(ctx, provider, 0, Number(dust[1]));
        return;
      }
      // A refused (or never published) close carries no refund: only a timed-out one is waited for.
      if (!(error instanceof JobError && (error.code === "timeout" || error.code === "incomplete")))
        ctx.refunds?.settle(
          client.pubkey,
          { id: request.id, source: "close", provider, mint: ctx.mintUrl },
          { state: "failed", error: error instanceof Error ? error.message : String(error) },
        );
      // It holds no tab for us: deposits that never reached it are ours again (locked until their locktime).
      if (error instanceof JobError && NO_TAB.test(error.message) && takeBack(ctx, provider)) return;
      // "jobs on this tab are still running" (ones we gave up on, finishing there), "please retry" and "try
      // again" (its mint was unreachable, or has not answered the refund's swap yet) pass: ask again until
      // the close's deadline.
      const retryable = error instanceof JobError && /still running|retry|try again/i.test(error.message);
      const pause = Math.min(2_000, 250 * 2 ** attempt);
      if (!retryable || Date.now() + pause >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
  const token = outcome.output.trim();
  let sats = 0;
  if (token.startsWith("cashu")) {
    const intake = await takeRefund(ctx.wallet, closeId, token);
    // Not taken in yet: the close stays awaited, and the next collection takes its refund (refund-intake.ts).
    if (intake.state !== "taken")
      throw new Error(`the refund of the tab close was not taken in: ${intake.error}`);
    // What the wallet gained: a provider's refund token carries the mint's fee for taking it in.
    sats = intake.amount;
  }
  ctx.refunds?.settle(
    client.pubkey,
    { id: closeId, source: "close", provider, mint: ctx.mintUrl },
    { state: "taken", sats },
  );
  ctx.returned.refundedSats += sats;
  settleClosed(ctx, provider, sats, outcome.result.tabMsats ?? 0, token);
}

/** A provider's refusal to close a tab holding less than a sat: "the tab holds 810 msats, less than 1 sat". */
const DUST = /holds (\d+) msats, less than 1 sat/;

/** A provider's refusal to close a tab it does not have: "no tab is open here for this key". */
const NO_TAB = /no tab is open here/;

/**
 * `provider` answered the close with "no tab is open here": this run's deposits to it come off its tab as
 * never sent (reclaimed once their lock expires) when they are all it holds; false when they are not.
 */
function takeBack(ctx: TabCloseContext, provider: string): boolean {
  const row = ctx.tabs.list(ctx.client.pubkey, ctx.mintUrl).find((t) => t.provider === provider);
  const back = row && ctx.deposits ? uncreditedDeposits(row, ctx.deposits, provider) : undefined;
  if (!back) return false;
  for (const deposit of back) {
    deposit.sent = false;
    ctx.record(provider, "deposit", -deposit.msats);
  }
  ctx.closed(provider);
  return true;
}

/**
 * The deposits of `provider`'s tab that never reached it, when its provider holds no tab for us: a job
 * carrying one was published but dropped before its payment was taken (cancelled after a hedge won, or
 * lost with its node). They are ours again when they are all the buyer's record of the tab holds: this
 * run's sent deposits to it add up to what it has deposited, and nothing was charged or refunded on it.
 * Otherwise undefined: the provider took sats on that tab and must answer for them.
 */
export function uncreditedDeposits(
  tab: { depositedMsats: number; chargedMsats: number; refundedMsats: number },
  deposits: readonly LockedDeposit[],
  provider: string,
): LockedDeposit[] | undefined {
  if (tab.chargedMsats !== 0 || tab.refundedMsats !== 0) return undefined;
  const sent = deposits.filter((d) => d.provider === provider && d.sent);
  const total = sent.reduce((sum, d) => sum + d.msats, 0);
  return sent.length > 0 && total === tab.depositedMsats ? sent : undefined;
}

/** Records a closed tab: what the close charged beyond the run's jobs, the refund, and the rest left there. */
function settleClosed(
  ctx: TabCloseContext,
  provider: string,
  sats: number,
  rest: number,
  token?: string,
): void {
  const totals = ctx.tabs.list(ctx.client.pubkey, ctx.mintUrl).find((t) => t.provider === provider);
  // The row adds up every run's tab with this provider: earlier refunds are not this close's charges.
  const charged = totals ? closingChargeMsats(totals, sats * 1000, rest) : 0;
  if (charged !== 0) ctx.record(provider, "charge", charged, { balanceMsats: rest });
  ctx.record(provider, "refund", sats * 1000, {
    ...(token === undefined ? {} : { token }),
    balanceMsats: rest,
  });
  ctx.closed(provider);
}

/**
 * Takes back this run's deposits whose lock expired and that nobody redeemed (removing them from
 * `deposits`). A deposit that reached its provider comes back as a refund of its tab (what it counted for
 * there), which settles the tab. Resolves with the failed reclaims, as messages.
 */
export async function reclaimExpired(ctx: TabCloseContext, deposits: LockedDeposit[]): Promise<string[]> {
  const { wallet } = ctx;
  if (!wallet.reclaim || !wallet.proofs || deposits.length === 0) return [];
  const report = await reclaimExpiredDeposits(
    { reclaim: wallet.reclaim.bind(wallet), proofs: wallet.proofs.bind(wallet) },
    ctx.mintUrl,
    deposits,
  );
  ctx.returned.reclaimedSats += report.sats;
  ctx.returned.reclaimFeeSats += report.feeSats;
  for (const { deposit } of report.deposits) {
    deposits.splice(deposits.indexOf(deposit), 1);
    if (!deposit.sent) continue; // never left: the tab already took it off
    ctx.record(deposit.provider, "refund", deposit.msats);
    ctx.closed(deposit.provider);
  }
  return report.errors.map((e) => `reclaim of the deposits locked by ${e.opId}: ${e.error}`);
}

/** How often the refunds of closes given up on are looked for again. */
const REFUND_POLL_MS = 2_000;

/**
 * Collects the refunds on the relays, and again every 2 s while `stillAwaited()` (closes given up on, often
 * answered soon after: the provider's mint was busy), for up to `graceMs`. Returns the last collection.
 */
export async function collectWithGrace<T>(
  collect: () => Promise<T>,
  stillAwaited: () => number,
  graceMs: number,
): Promise<T> {
  const end = Date.now() + graceMs;
  let collected = await collect();
  while (stillAwaited() > 0 && Date.now() + REFUND_POLL_MS < end) {
    await new Promise((resolve) => setTimeout(resolve, REFUND_POLL_MS));
    collected = await collect();
  }
  return collected;
}
