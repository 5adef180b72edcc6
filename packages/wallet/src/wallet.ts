/**
 * `openWallet`: the Cashu wallet the rest of Pylon uses. One SQLite file holds every proof with its state,
 * the operation log (write-ahead record + history) and the NUT-13 counters; one seed file derives every
 * secret. Operations on one wallet run one at a time; other processes on the same file are safe (SQLite
 * transactions, and recovery leaves alone operations whose process is alive).
 */
import { Amount, type Proof, setGlobalRequestOptions } from "@cashu/cashu-ts";
import { WalletError } from "./errors.js";
import { deriveKeyPair, type P2PKKeyPair } from "./keys.js";
import { canonicalMintUrl, MintSessions } from "./mint-session.js";
import type { OpContext } from "./ops/context.js";
import { type FundOptions, fund } from "./ops/fund.js";
import {
  type InvoiceState,
  invoicePaid,
  type OpenInvoice,
  openInvoice,
  settleInvoice,
} from "./ops/invoice.js";
import { createLockedPayments, type LockRequest, type LockResult } from "./ops/lock.js";
import { type InputState, inputStates } from "./ops/mint-state.js";
import { receive, swapIn } from "./ops/receive.js";
import { checkPending, type PendingCheck, reclaim } from "./ops/reclaim.js";
import { recoverOperation, reviveOperation } from "./ops/recover.js";
import { send } from "./ops/send.js";
import { tokenOrigin } from "./ops/tokens.js";
import { withdraw } from "./ops/withdraw.js";
import { proofY } from "./proof-y.js";
import { loadOrCreateSeed } from "./seed.js";
import { SqliteCounterSource } from "./store/counters.js";
import { type Db, openDatabase } from "./store/db.js";
import { type Operation, OperationLog } from "./store/operations.js";
import { type ProofState, ProofStore, type StateTotals, type StoredProof } from "./store/proofs.js";

export interface OpenWalletOptions {
  /** SQLite file (":memory:" for a throwaway wallet). */
  dbPath: string;
  /** Mints this wallet uses; the first is the default. More can be added with `addMint`. */
  mintUrls?: string[];
  /** 0600 seed file, created on first use. */
  seedPath?: string;
  /** Or the seed itself (tests). */
  seed?: Uint8Array;
  unit?: "sat";
  /** Settle operations a crashed process left behind (default true). Needs the mints; failures are reported, not thrown. */
  recover?: boolean;
  /** Per-request timeout for mint calls (default 15 s). */
  requestTimeoutMs?: number;
  /**
   * How long an operation whose request timed out stays open when the mint shows no sign of it (default
   * 120 s): a busy mint may still act on a request after the wallet stopped waiting, so its inputs stay
   * reserved until then, and only then go back to the balance.
   */
  unansweredWindowMs?: number;
}

export interface Balance {
  /** Sats per state over all mints. `unspent` is spendable; `pending` was handed out and not yet claimed. */
  total: StateTotals;
  byMint: Record<string, StateTotals>;
}

export interface RecoveryReport {
  completed: Operation[];
  failed: Operation[];
  pending: Operation[];
  /** Mints that could not be asked (unreachable), with the error. */
  errors: Array<{ mintUrl: string; opId: string; error: string }>;
}

/**
 * Operations running in this process, shared by every wallet object: two objects on one file in one
 * process (same pid) must not recover each other's operations mid-flight. Ids are random UUIDs.
 */
const INFLIGHT = new Set<string>();
/** How soon to ask again about an unanswered operation when the mint could not be asked. */
const ASK_AGAIN_MS = 10_000;

export async function openWallet(opts: OpenWalletOptions): Promise<PylonWallet> {
  const seed = opts.seed ?? (opts.seedPath ? loadOrCreateSeed(opts.seedPath) : undefined);
  if (!seed) throw new WalletError("invalid-argument", "openWallet needs seedPath or seed");
  setGlobalRequestOptions({ requestTimeout: opts.requestTimeoutMs ?? 15_000 });
  const db = openDatabase(opts.dbPath);
  // Configured mints first (the first is the default), then every mint this wallet has used before.
  const mints = [
    ...new Set([...(opts.mintUrls ?? []).map(canonicalMintUrl), ...new OperationLog(db).mints()]),
  ];
  const wallet = new PylonWallet(db, seed, opts.unit ?? "sat", mints, opts.unansweredWindowMs ?? 120_000);
  if (opts.recover ?? true) await wallet.recover();
  return wallet;
}

export class PylonWallet {
  /** The wallet's P2PK key: refund key of payments it makes, lock key of payments made to it. */
  readonly p2pk: P2PKKeyPair;
  private readonly ctx: OpContext;
  private readonly sessions: MintSessions;
  private readonly mintSet: Set<string>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    seed: Uint8Array,
    readonly unit: string,
    mints: string[],
    unansweredWindowMs = 120_000,
  ) {
    this.p2pk = deriveKeyPair(seed, "p2pk");
    this.sessions = new MintSessions(seed, new SqliteCounterSource(db), unit);
    this.mintSet = new Set(mints);
    this.ctx = {
      db,
      proofs: new ProofStore(db),
      log: new OperationLog(db),
      unit,
      key: this.p2pk,
      mint: (url) => this.sessions.get(url),
      inflight: INFLIGHT,
      unansweredWindowMs,
      unanswered: new Map(),
    };
  }

  /** Configured mints, default first. */
  get mints(): string[] {
    return [...this.mintSet];
  }

  addMint(url: string): string {
    const u = canonicalMintUrl(url);
    this.mintSet.add(u);
    return u;
  }

  balance(): Balance {
    const totals = this.ctx.proofs.totals();
    const byMint: Record<string, StateTotals> = {};
    for (const m of this.mintSet) byMint[m] = { unspent: 0, reserved: 0, pending: 0 };
    for (const [m, t] of totals) byMint[m] = t;
    const total = { unspent: 0, reserved: 0, pending: 0 };
    for (const t of Object.values(byMint)) {
      total.unspent += t.unspent;
      total.reserved += t.reserved;
      total.pending += t.pending;
    }
    return { total, byMint };
  }

  /** Mints `amountSats` from a Lightning invoice (fake Lightning on the local mint pays it at once). */
  fund(amountSats: number, opts: FundOptions & { mint?: string } = {}): Promise<Operation> {
    if (!Number.isSafeInteger(amountSats) || amountSats <= 0) {
      return Promise.reject(
        new WalletError("invalid-argument", `amount must be a positive whole number of sats`),
      );
    }
    return this.exclusive(() => fund(this.ctx, this.pick(opts.mint), amountSats, opts));
  }

  /**
   * Opens an invoice for someone else to pay (NUT-04 mint quote at `mint`), recorded first so a payment is
   * minted even after a crash. `id`: the operation id (to find it again). Collect it with `collectInvoice`.
   */
  requestInvoice(
    amountSats: number,
    opts: { mint?: string; description?: string; id?: string } = {},
  ): Promise<OpenInvoice> {
    if (!Number.isSafeInteger(amountSats) || amountSats <= 0) {
      return Promise.reject(
        new WalletError("invalid-argument", `amount must be a positive whole number of sats`),
      );
    }
    return this.exclusive(() => openInvoice(this.ctx, this.pick(opts.mint), amountSats, opts));
  }

  /**
   * Asks the mint whether a `requestInvoice` invoice is paid: paid → minted into this wallet (proofs stored)
   * and `paid`; still open → `unpaid`; expired → `expired` (operation closed). The state check does not wait
   * for other operations; minting does.
   */
  async collectInvoice(opId: string): Promise<InvoiceState> {
    const op = this.ctx.log.get(opId);
    if (op?.kind !== "fund")
      throw new WalletError("invalid-argument", `no invoice operation ${opId} in this wallet`);
    if (op.state === "completed") return { state: "paid", op };
    if (op.state === "failed") return { state: "expired", reason: op.error ?? "failed" };
    const seen = await invoicePaid(this.ctx, op);
    if (seen === "unpaid") return { state: "unpaid" };
    return this.exclusive(() => settleInvoice(this.ctx, op, seen));
  }

  /** A bearer token for `amountSats`; its proofs stay pending until claimed or reclaimed. `detail.token` holds it too. */
  async send(
    amountSats: number,
    /** `id`: the operation id, chosen by the caller to find the token again after a crash. */
    opts: { mint?: string; includeFees?: boolean; id?: string } = {},
  ): Promise<{ op: Operation; token: string }> {
    const op = await this.exclusive(() => send(this.ctx, this.pick(opts.mint), amountSats, opts));
    return { op, token: String(op.detail.token) };
  }

  /**
   * Swaps a token into this wallet's own proofs. The token's mint must be one of the wallet's mints. `id`
   * names the operation (unique), so a caller can find it again after a mint that did not answer.
   */
  receive(token: string, opts: { id?: string } = {}): Promise<Operation> {
    return this.exclusive(() => receive(this.ctx, token, this.mintSet, opts.id));
  }

  /** Pays a bolt11 invoice, keeping the change. */
  withdraw(invoice: string, opts: { mint?: string } = {}): Promise<Operation> {
    return this.exclusive(() => withdraw(this.ctx, this.pick(opts.mint), invoice));
  }

  /** P2PK-locked payments to several providers, all in one swap. */
  createLockedPayments(
    requests: LockRequest[],
    opts: { mint?: string; now?: number } = {},
  ): Promise<LockResult> {
    return this.exclusive(() => createLockedPayments(this.ctx, this.pick(opts.mint), requests, opts));
  }

  /** Marks handed-out proofs the receivers claimed as spent; returns what is still unclaimed. */
  checkPending(opts: { mint?: string; opId?: string } = {}): Promise<PendingCheck> {
    return this.exclusive(() => checkPending(this.ctx, this.pick(opts.mint), opts.opId));
  }

  /** Takes back unclaimed bearer tokens and locked payments past their locktime (refund key). */
  reclaim(opts: { mint?: string; opId?: string; now?: number } = {}): Promise<Operation | undefined> {
    return this.exclusive(() => reclaim(this.ctx, this.pick(opts.mint), opts));
  }

  /**
   * Swaps proofs locked to `privkey` (a provider's collected payments) into this wallet, in one swap. With
   * `payout`, that swap also mints a bearer token of `payout` sats (fees for its receiver included) in
   * `detail.token`, as `send` would: a refund paid from the proofs being redeemed. The operation's
   * `amount` is then the token's face value, as for a send.
   */
  redeemProofs(
    mintUrl: string,
    proofs: Proof[],
    opts: { privkey: string; id?: string; payout?: number },
  ): Promise<Operation> {
    const mint = this.addMint(mintUrl);
    return this.exclusive(() =>
      swapIn(this.ctx, mint, proofs, {
        kind: "redeem",
        privkey: opts.privkey,
        ...(opts.id ? { id: opts.id } : {}),
        ...(opts.payout === undefined ? {} : { payout: opts.payout }),
      }),
    );
  }

  /** NUT-07 state of each proof at `mintUrl`, keyed by Y. */
  async checkStates(mintUrl: string, proofs: Proof[]): Promise<Map<string, InputState>> {
    const mint = canonicalMintUrl(mintUrl);
    return inputStates(await this.sessions.get(mint), mint, proofs);
  }

  /**
   * Sats of a token (anyone's) that its mint still counts unspent (NUT-07): what its holder could still
   * claim. 0 once it was received. The token's mint must answer; it need not be one of this wallet's.
   */
  async unclaimedSats(token: string): Promise<number> {
    const origin = tokenOrigin(token);
    if (!origin) throw new WalletError("malformed-token", "not a cashu token (expected cashuB…)");
    const mint = await this.sessions.get(origin.mintUrl);
    let proofs: Proof[];
    try {
      proofs = mint.decodeToken(token.trim()).proofs;
    } catch (err) {
      throw new WalletError(
        "malformed-token",
        `token does not decode: ${err instanceof Error ? err.message : err}`,
      );
    }
    const states = await inputStates(mint, origin.mintUrl, proofs);
    return proofs
      .filter((p) => states.get(proofY(p.secret)) === "UNSPENT")
      .reduce((sum, p) => sum + Amount.from(p.amount).toNumber(), 0);
  }

  /** Stored proofs, for inspection (state, lock, which operation made or spent them). */
  proofs(filter: { mint?: string; state?: ProofState } = {}): StoredProof[] {
    return this.ctx.proofs.list({
      ...(filter.mint ? { mintUrl: canonicalMintUrl(filter.mint) } : {}),
      ...(filter.state ? { state: filter.state } : {}),
    });
  }

  history(opts: { limit?: number; mint?: string } = {}): Operation[] {
    return this.ctx.log.list({
      ...(opts.limit ? { limit: opts.limit } : {}),
      ...(opts.mint ? { mintUrl: canonicalMintUrl(opts.mint) } : {}),
    });
  }

  /** Operations recorded but not settled (in flight now, or left open for recovery). */
  openOperations(): number {
    return this.ctx.log.countPrepared();
  }

  operation(id: string): Operation | undefined {
    return this.ctx.log.get(id);
  }

  /**
   * Settles every recorded-but-unsettled operation whose process is gone, from the mint's answers (NUT-07
   * states, NUT-09 restore, quote states). Operations of live processes (and this one's own in flight)
   * are left alone. Unreachable mints are reported, not thrown.
   */
  recover(): Promise<RecoveryReport> {
    return this.exclusive(async () => {
      const report: RecoveryReport = { completed: [], failed: [], pending: [], errors: [] };
      for (const op of this.ctx.log.prepared()) {
        if (this.ctx.inflight.has(op.id) || (op.ownerPid !== process.pid && isAlive(op.ownerPid))) continue;
        this.mintSet.add(op.mintUrl);
        try {
          const outcome = await recoverOperation(this.ctx, op);
          report[outcome.state].push(outcome.op);
        } catch (err) {
          report.errors.push({
            mintUrl: op.mintUrl,
            opId: op.id,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
      return report;
    });
  }

  /**
   * Settles a failed receive or redeem the mint acted on after all (it answered too late, or the process
   * died in between): its inputs spent at the mint and its recorded outputs signed (NUT-09). Returns the
   * settled operation, or undefined when the mint did not act on it.
   */
  revive(opId: string): Promise<Operation | undefined> {
    const op = this.ctx.log.get(opId);
    if (op?.state !== "failed") return Promise.resolve(undefined);
    return this.exclusive(() => reviveOperation(this.ctx, op));
  }

  close(): void {
    this.db.close();
  }

  private pick(mint: string | undefined): string {
    if (mint) return this.addMint(mint);
    const first = this.mintSet.values().next();
    if (first.done)
      throw new WalletError("invalid-argument", "no mint configured (pass --mint or set PYLON_MINT)");
    return first.value;
  }

  /** Runs `fn` after every earlier operation on this wallet has finished (and any unanswered one is due). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const task = async () => {
      if (this.ctx.unanswered.size > 0) await this.askAgain();
      return fn();
    };
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Asks the mint again about operations left open after an unanswered request, once each is due. */
  private async askAgain(): Promise<void> {
    const now = Date.now();
    for (const [id, due] of this.ctx.unanswered) {
      if (due > now) continue;
      this.ctx.unanswered.delete(id);
      const op = this.ctx.log.get(id);
      if (op?.state !== "prepared" || this.ctx.inflight.has(id)) continue;
      try {
        await recoverOperation(this.ctx, op);
      } catch {
        this.ctx.unanswered.set(id, now + ASK_AGAIN_MS); // the mint is still out of reach
      }
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
