/**
 * Tabs: a buyer deposits ONE locked token with a provider and is debited per job from a balance in SQLite,
 * so paying for a job costs no mint call and no curve math. A job is admitted only if the balance covers
 * its maximum cost (reserved at admission), and is charged its actual cost when it ends (the rest of the
 * reserve returns to the balance). `close` returns the balance as a bearer token: from the provider's own
 * ecash, or minted in the swap that redeems the collected proofs when it holds too little.
 *
 * Per tab, always: deposited = balance + reserved + charged + refunded (msats). The deposit is recorded in
 * the payment ledger (Ys + credit) in the same transaction as the tab credit and the first job's reserve.
 * A refund is written ahead: `closing_op` (the wallet operation id) is committed before the wallet is
 * asked for the token, so a crash mid-close resumes the same operation instead of paying twice. An expired
 * tab is refunded by the node on its own (`refundExpired`, driven by TabRefunder) through the same path; its
 * token is recorded (`ExpiryRefunds`, tab-refunds.ts) in the transaction that takes it off the tab.
 *
 * A little over 400 lines: deposit, reserve, settle and the write-ahead close all change the one tab row
 * under its invariant, so they stay together; the refunds' own table is tab-refunds.ts.
 */
import { randomUUID } from "node:crypto";
import type { AcceptedPayment, PaymentLedger, PaymentRefusal, Payout, PylonWallet } from "@pylon/wallet";
import { renameLegacyColumns } from "../store/schema.js";
import { ExpiryRefunds, type TabRefund } from "./tab-refunds.js";

/**
 * A buyer's close whose refund is written ahead but not finished, untouched this long (s): the buyer gave up
 * waiting for it, so the node finishes it and delivers the refund as it does at expiry.
 */
const UNFINISHED_CLOSE_SEC = 60;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS tabs (
    buyer           TEXT PRIMARY KEY,
    mint_url        TEXT NOT NULL,
    balance_msats   INTEGER NOT NULL CHECK (balance_msats >= 0),
    reserved_msats  INTEGER NOT NULL DEFAULT 0 CHECK (reserved_msats >= 0),
    deposited_msats INTEGER NOT NULL DEFAULT 0,
    charged_msats   INTEGER NOT NULL DEFAULT 0,
    refunded_msats  INTEGER NOT NULL DEFAULT 0,
    expires_at      INTEGER NOT NULL,
    closing_op      TEXT,
    closing_sats    INTEGER,
    updated_at      INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS tab_holds (
    job_id         TEXT PRIMARY KEY,
    buyer          TEXT NOT NULL,
    reserved_msats INTEGER NOT NULL,
    charged_msats  INTEGER,
    state          TEXT NOT NULL CHECK (state IN ('held', 'settled')),
    created_at     INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS tab_holds_held ON tab_holds (job_id) WHERE state = 'held';
  CREATE TABLE IF NOT EXISTS tab_returns (
    job_id     TEXT PRIMARY KEY,
    buyer      TEXT NOT NULL,
    msats      INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
`;

export interface TabBalance {
  balanceMsats: number;
  reservedMsats: number;
  expiresAt: number;
}

export interface TabTotals {
  depositedMsats: number;
  balanceMsats: number;
  reservedMsats: number;
  chargedMsats: number;
  refundedMsats: number;
}

export interface TabBookOptions {
  ledger: PaymentLedger;
  wallet: PylonWallet;
  /** A tab takes jobs this long after its last deposit, seconds. */
  ttlSec: number;
  /** Redeems collected proofs, paying `payout` (a refund) in the same swap when a batch covers it. */
  redeem: (payout?: Payout) => Promise<unknown>;
  now?: () => number;
}

export type CloseResult = { ok: true; token: string; refundedSats: number } | { ok: false; reason: string };

interface TabRow {
  buyer: string;
  mint_url: string;
  balance_msats: number;
  reserved_msats: number;
  expires_at: number;
  closing_op: string | null;
  closing_sats: number | null;
  opened_by: string | null;
  updated_at: number;
}

export class TabBook {
  readonly #o: TabBookOptions;
  readonly #db: PaymentLedger["db"];
  readonly #closing = new Map<string, Promise<CloseResult & { refund?: TabRefund }>>();
  /** The refunds made on expiry, until delivered. */
  readonly expiryRefunds: ExpiryRefunds;

  constructor(options: TabBookOptions) {
    this.#o = options;
    this.#db = options.ledger.db;
    renameLegacyColumns(this.#db, ["tabs", "tab_holds"], "customer", "buyer");
    this.#db.exec(SCHEMA);
    this.expiryRefunds = new ExpiryRefunds(this.#db, () => this.#now());
    const columns = this.#db.prepare("PRAGMA table_info(tabs)").all() as { name: string }[];
    if (!columns.some((c) => c.name === "opened_by"))
      this.#db.exec("ALTER TABLE tabs ADD COLUMN opened_by TEXT");
  }

  /**
   * Credits an offline-checked deposit to `buyer`'s tab and reserves `reserveMsats` for `jobId`, in one
   * transaction with the ledger record (a replayed proof rolls all of it back).
   */
  deposit(
    buyer: string,
    payment: AcceptedPayment,
    jobId: string,
    reserveMsats: number,
  ): { ok: true; balance: TabBalance } | PaymentRefusal {
    const tab = this.#row(buyer);
    if (tab && tab.mint_url !== payment.mintUrl)
      return refusal(`this tab holds ecash of ${tab.mint_url}; deposit from that mint`);
    if (tab?.closing_op) return refusal("this tab is being closed; open a new one after the refund");
    const now = this.#now();
    const run = this.#db.transaction((): { ok: true; balance: TabBalance } | PaymentRefusal => {
      const recorded = this.#o.ledger.record(payment, { ref: jobId });
      if (!recorded.ok) return recorded;
      const creditMsats = recorded.credit.amountSats * 1000;
      this.#db
        .prepare(
          `INSERT INTO tabs (buyer, mint_url, balance_msats, deposited_msats, expires_at, opened_by, updated_at)
           VALUES (@buyer, @mint, @credit, @credit, @expires, @job, @now)
           ON CONFLICT (buyer) DO UPDATE SET balance_msats = balance_msats + @credit,
             deposited_msats = deposited_msats + @credit, expires_at = MAX(expires_at, @expires),
             opened_by = @job, updated_at = @now`,
        )
        .run({
          buyer,
          mint: payment.mintUrl,
          credit: creditMsats,
          expires: now + this.#o.ttlSec,
          job: jobId,
          now,
        });
      if (!this.#reserve(jobId, buyer, reserveMsats, now)) throw new Error("deposit below the job's price");
      return { ok: true, balance: this.balance(buyer)! };
    });
    return run.immediate();
  }

  /** Reserves `msats` of `buyer`'s open tab for `jobId`; false when the balance does not cover it. */
  reserve(jobId: string, buyer: string, msats: number): boolean {
    return this.#db.transaction(() => this.#reserve(jobId, buyer, msats, this.#now())).immediate();
  }

  /** Charges a job its actual cost (at most its reserve) and frees the rest. Idempotent. */
  settle(jobId: string, costMsats: number): void {
    this.#db
      .transaction(() => {
        const hold = this.#db
          .prepare("SELECT buyer, reserved_msats FROM tab_holds WHERE job_id = ? AND state = 'held'")
          .get(jobId) as { buyer: string; reserved_msats: number } | undefined;
        if (!hold) return;
        const charge = Math.min(Math.max(0, costMsats), hold.reserved_msats);
        this.#db
          .prepare(
            `UPDATE tabs SET reserved_msats = reserved_msats - @reserved,
               balance_msats = balance_msats + @reserved - @charge, charged_msats = charged_msats + @charge,
               updated_at = @now WHERE buyer = @buyer`,
          )
          .run({ reserved: hold.reserved_msats, charge, buyer: hold.buyer, now: this.#now() });
        this.#db
          .prepare("UPDATE tab_holds SET state = 'settled', charged_msats = ? WHERE job_id = ?")
          .run(charge, jobId);
      })
      .immediate();
  }

  /**
   * Puts the payment of a per-job-token job that failed (`msats`: its ledger credit) on `buyer`'s tab at
   * `mintUrl`, opening one if needed, so it is spent on the next job, taken back with `close`, or refunded on
   * expiry. Counted as a deposit (the invariant holds). Once per job, across restarts (`tab_returns`).
   */
  creditReturn(
    jobId: string,
    buyer: string,
    mintUrl: string,
    msats: number,
  ): { ok: true; balance: TabBalance } | { ok: false; reason: string } {
    const tab = this.#row(buyer);
    if (tab && tab.mint_url !== mintUrl)
      return { ok: false, reason: `the buyer's tab holds ecash of ${tab.mint_url}, not ${mintUrl}` };
    const now = this.#now();
    this.#db
      .transaction(() => {
        const fresh = this.#db
          .prepare("INSERT OR IGNORE INTO tab_returns (job_id, buyer, msats, created_at) VALUES (?, ?, ?, ?)")
          .run(jobId, buyer, msats, now);
        if (fresh.changes !== 1) return; // returned before
        this.#db
          .prepare(
            `INSERT INTO tabs (buyer, mint_url, balance_msats, deposited_msats, expires_at, opened_by, updated_at)
             VALUES (@buyer, @mint, @msats, @msats, @expires, @job, @now)
             ON CONFLICT (buyer) DO UPDATE SET balance_msats = balance_msats + @msats,
               deposited_msats = deposited_msats + @msats, expires_at = MAX(expires_at, @expires),
               opened_by = @job, updated_at = @now`,
          )
          .run({ buyer, mint: mintUrl, msats, expires: now + this.#o.ttlSec, job: jobId, now });
      })
      .immediate();
    return { ok: true, balance: this.balance(buyer)! };
  }

  /** Jobs holding a reserve not settled yet. */
  heldJobs(): string[] {
    const rows = this.#db.prepare("SELECT job_id FROM tab_holds WHERE state = 'held'").all() as {
      job_id: string;
    }[];
    return rows.map((row) => row.job_id);
  }

  holds(jobId: string): boolean {
    return this.#db.prepare("SELECT 1 FROM tab_holds WHERE job_id = ?").get(jobId) !== undefined;
  }

  balance(buyer: string): TabBalance | undefined {
    const tab = this.#row(buyer);
    return tab
      ? { balanceMsats: tab.balance_msats, reservedMsats: tab.reserved_msats, expiresAt: tab.expires_at }
      : undefined;
  }

  totals(): TabTotals {
    return this.#db
      .prepare(
        `SELECT COALESCE(SUM(deposited_msats), 0) AS depositedMsats, COALESCE(SUM(balance_msats), 0) AS balanceMsats,
           COALESCE(SUM(reserved_msats), 0) AS reservedMsats, COALESCE(SUM(charged_msats), 0) AS chargedMsats,
           COALESCE(SUM(refunded_msats), 0) AS refundedMsats FROM tabs`,
      )
      .get() as TabTotals;
  }

  /**
   * Returns the whole sats of `buyer`'s balance as a bearer token (the sub-sat rest stays with the
   * provider). Refused while jobs on the tab are running. One close per buyer at a time.
   */
  close(buyer: string): Promise<CloseResult> {
    return this.#refund(buyer, false);
  }

  /**
   * Refunds every expired tab holding at least 1 sat with nothing reserved (and resumes any refund a crash
   * interrupted on an expired tab), through the same write-ahead path as `close`. Also finishes a buyer's
   * close left unfinished for UNFINISHED_CLOSE_SEC (the buyer gave up waiting: a busy mint made the refund
   * late), so its sats go back now and not at the tab's expiry. Each refund is recorded in `tab_refunds` in
   * the same transaction that takes it off the tab, so it is made once and kept until delivered. Returns the
   * refunds made now; failures are left for the next sweep.
   */
  async refundExpired(onError: (buyer: string, reason: string) => void = () => {}): Promise<TabRefund[]> {
    const now = this.#now();
    const due = this.#db
      .prepare(
        `SELECT buyer FROM tabs WHERE reserved_msats = 0 AND opened_by IS NOT NULL
           AND ((expires_at <= ? AND (balance_msats >= 1000 OR closing_op IS NOT NULL))
             OR (closing_op IS NOT NULL AND updated_at <= ?))
         ORDER BY expires_at`,
      )
      .all(now, now - UNFINISHED_CLOSE_SEC) as { buyer: string }[];
    const made: TabRefund[] = [];
    for (const { buyer } of due) {
      try {
        const result = await this.#refund(buyer, true);
        if (!result.ok) onError(buyer, result.reason);
        else if (result.refund) made.push(result.refund);
      } catch (error) {
        onError(buyer, String(error));
      }
    }
    return made;
  }

  /** One refund per buyer at a time: a buyer's close and the expiry sweep join the same run. */
  #refund(buyer: string, expired: boolean): Promise<CloseResult & { refund?: TabRefund }> {
    let running = this.#closing.get(buyer);
    if (!running) {
      running = this.#close(buyer, expired).finally(() => this.#closing.delete(buyer));
      this.#closing.set(buyer, running);
    }
    return running;
  }

  /**
   * The one money path of a refund (buyer's close or expiry). With `expired`, the refund is also recorded
   * in `tab_refunds` (in the transaction that takes it off the tab), to be delivered by the node.
   */
  async #close(buyer: string, expired: boolean): Promise<CloseResult & { refund?: TabRefund }> {
    const tab = this.#row(buyer);
    if (!tab) return { ok: false, reason: "no tab is open here for this key" };
    const unfinished = tab.closing_op !== null && tab.updated_at <= this.#now() - UNFINISHED_CLOSE_SEC;
    if (expired && ((tab.expires_at > this.#now() && !unfinished) || !tab.opened_by))
      return { ok: false, reason: "the tab has not expired" };
    if (tab.reserved_msats > 0)
      return { ok: false, reason: "jobs on this tab are still running; close it after them" };
    let opId = tab.closing_op;
    let sats = tab.closing_sats ?? 0;
    if (!opId) {
      sats = Math.floor(tab.balance_msats / 1000);
      if (sats === 0)
        return { ok: false, reason: `the tab holds ${tab.balance_msats} msats, less than 1 sat` };
      opId = randomUUID();
      // Write-ahead: the refund's operation id and amount are on disk before the wallet acts.
      const claimed = this.#db
        .prepare(
          `UPDATE tabs SET closing_op = ?, closing_sats = ?, updated_at = ?
           WHERE buyer = ? AND closing_op IS NULL AND reserved_msats = 0 AND balance_msats >= ?`,
        )
        .run(opId, sats, this.#now(), buyer, sats * 1000);
      if (claimed.changes !== 1) return { ok: false, reason: "the tab changed meanwhile; try again" };
    }
    const { wallet } = this.#o;
    let op = wallet.operation(opId);
    if (op?.state === "prepared") {
      await wallet.recover();
      op = wallet.operation(opId);
      // Still unresolved (the mint unreachable): sending again under the same id is not possible, and a
      // new id could pay twice. The write-ahead record stays; the next close or sweep resolves it.
      if (op?.state === "prepared")
        return {
          ok: false,
          reason: "the mint is unreachable (the last refund attempt is unresolved); try again",
        };
    }
    if (op?.state === "failed") {
      // The last attempt was refused before anything was spent: a fresh operation, written ahead again.
      const fresh = randomUUID();
      const moved = this.#db
        .prepare("UPDATE tabs SET closing_op = ?, updated_at = ? WHERE buyer = ? AND closing_op = ?")
        .run(fresh, this.#now(), buyer, opId);
      if (moved.changes !== 1) return { ok: false, reason: "the tab changed meanwhile; try again" };
      opId = fresh;
      op = undefined;
    }
    if (op?.state !== "completed" && (wallet.balance().byMint[tab.mint_url]?.unspent ?? 0) < sats + 2) {
      // Too little ecash of its own: the refund rides on the swap that redeems the collected proofs.
      await this.#o.redeem({ mintUrl: tab.mint_url, sats, id: opId });
      op = wallet.operation(opId);
      if (op && op.state !== "completed")
        return { ok: false, reason: `the refund's swap at the mint is ${op.state}; try again` };
    }
    if (op?.state !== "completed") op = (await wallet.send(sats, { mint: tab.mint_url, id: opId })).op;
    const token = String(op.detail.token);
    const refund: TabRefund | undefined =
      expired && tab.opened_by
        ? { opId, buyer, jobId: tab.opened_by, sats, token, expiresAt: tab.expires_at }
        : undefined;
    const now = this.#now();
    this.#db
      .transaction(() => {
        const done = this.#db
          .prepare(
            `UPDATE tabs SET balance_msats = balance_msats - @msats, refunded_msats = refunded_msats + @msats,
               closing_op = NULL, closing_sats = NULL, updated_at = @now WHERE buyer = @buyer AND closing_op = @op`,
          )
          .run({ msats: sats * 1000, now, buyer, op: opId });
        if (refund && done.changes === 1) this.expiryRefunds.record(refund, now);
      })
      .immediate();
    return refund ? { ok: true, token, refundedSats: sats, refund } : { ok: true, token, refundedSats: sats };
  }

  #reserve(jobId: string, buyer: string, msats: number, now: number): boolean {
    const taken = this.#db
      .prepare(
        `UPDATE tabs SET balance_msats = balance_msats - @msats, reserved_msats = reserved_msats + @msats,
           updated_at = @now
         WHERE buyer = @buyer AND balance_msats >= @msats AND expires_at > @now AND closing_op IS NULL`,
      )
      .run({ msats, now, buyer });
    if (taken.changes !== 1) return false;
    this.#db
      .prepare(
        "INSERT INTO tab_holds (job_id, buyer, reserved_msats, state, created_at) VALUES (?, ?, ?, 'held', ?)",
      )
      .run(jobId, buyer, msats, now);
    return true;
  }

  #row(buyer: string): TabRow | undefined {
    return this.#db.prepare("SELECT * FROM tabs WHERE buyer = ?").get(buyer) as TabRow | undefined;
  }

  #now(): number {
    return this.#o.now?.() ?? Math.floor(Date.now() / 1000);
  }
}

function refusal(reason: string): PaymentRefusal {
  return { ok: false, code: "malformed", reason };
}
