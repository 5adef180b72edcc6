/**
 * The swarm's side of the reputation book: records kept in memory (read once, refreshed on each write, so
 * selection never queries SQLite per candidate), the probation cap, the check schedule, and catching: a
 * provider whose checks reach the catch rule is blocked in the book, dropped from selection, its tab revoked,
 * its memoised answers forgotten and (opt-in) a verdict published.
 */
import {
  type CheckHistory,
  type CheckSchedule,
  checkProbability,
  DEFAULT_SCHEDULE,
  type EvidenceRule,
  isCaught,
  isSuspect,
  type JobEnd,
  onProbation,
  type ProviderRecord,
  ReputationBook,
  trustScore,
} from "@pylon/trust";
import type { AttemptFailure } from "./job-attempt.js";
import type { SelectionTrust } from "./selection.js";
import { type CaughtProvider, emptyTrustReport, type TrustChecks, type TrustReport } from "./trust-types.js";

export interface TrustKeeperOptions {
  book: ReputationBook | string | undefined;
  /** undefined: checks off. */
  checks: TrustChecks | undefined;
  /** Our jobs in flight at a provider now (the health book's count). */
  inFlight: (pubkey: string) => number;
  /** A provider's announced name, for the report. */
  nameOf: (pubkey: string) => string;
  /** Told once per provider caught (after the book blocked it). */
  onCaught: (caught: CaughtProvider) => void;
  /** Checks compare against the buyer's own model (`verifyLocal`): a lone provider can be checked too. */
  checksLocally?: boolean;
  /** A verdict came: `pubkey`, if held back by its probation quota, may take work again. */
  onRelease?: (pubkey: string) => void;
  /** What selection reads of `pubkey` (its quota held, its record) may have changed: rank it again. */
  onChange?: (pubkey: string) => void;
}

/** How a failed attempt counts in the book; undefined: not the provider's doing, or no job at all. */
const FAILURE_ENDS: Partial<Record<AttemptFailure, JobEnd>> = {
  "no-ack": "timeout",
  timeout: "timeout",
  error: "refused",
  aborted: "failed",
};

export class TrustKeeper implements SelectionTrust {
  readonly book: ReputationBook;
  readonly ownsBook: boolean;
  readonly checks: TrustChecks | undefined;
  readonly report: TrustReport = emptyTrustReport();
  readonly #schedule: CheckSchedule;
  readonly #options: TrustKeeperOptions;
  readonly #records = new Map<string, ProviderRecord | undefined>();
  /** Answers of each provider whose checks have not ended. */
  readonly #awaiting = new Map<string, number>();
  /** Sub-calls answered to the RLM by each provider this run. */
  readonly #delivered = new Map<string, number>();
  readonly #random: () => number;
  /** Providers with a strike in the book (only they can be suspects); read from the book at first use. */
  #struck: Set<string> | undefined;

  constructor(options: TrustKeeperOptions) {
    this.#options = options;
    this.ownsBook = !(options.book instanceof ReputationBook);
    this.book =
      options.book instanceof ReputationBook ? options.book : ReputationBook.open(options.book ?? ":memory:");
    this.checks = options.checks;
    this.#schedule = { ...DEFAULT_SCHEDULE, ...options.checks?.schedule };
    this.#random = options.checks?.random ?? Math.random;
  }

  get evidence(): Partial<EvidenceRule> {
    return this.checks?.evidence ?? {};
  }

  record(pubkey: string): ProviderRecord | undefined {
    if (!this.#records.has(pubkey)) this.#records.set(pubkey, this.book.get(pubkey));
    return this.#records.get(pubkey);
  }

  history(pubkey: string): CheckHistory {
    const r = this.record(pubkey);
    return {
      jobs: r?.jobs ?? 0,
      passes: r?.checksPassed ?? 0,
      strikes: r?.checksFailed ?? 0,
      reports: r?.reports ?? 0,
    };
  }

  // Selection's view.
  blocked(pubkey: string): boolean {
    return this.record(pubkey)?.blocked !== undefined;
  }

  score(pubkey: string): number {
    return trustScore(this.record(pubkey));
  }

  /**
   * On probation and already holding its quota of unverified jobs (only while checks run, and only where a
   * check can end probation: another provider to check against, or the buyer's own model).
   */
  capped(pubkey: string, peers = 1): boolean {
    if (!this.checks || (peers < 1 && !this.#options.checksLocally)) return false;
    const unverified = this.#options.inFlight(pubkey) + (this.#awaiting.get(pubkey) ?? 0);
    return (
      unverified >= this.#schedule.probationUnverified &&
      onProbation(this.history(pubkey), this.#schedule, this.evidence)
    );
  }

  /** Its evidence leans towards cheating: checked on every job, and no referee while others can be. */
  suspect(pubkey: string): boolean {
    return isSuspect(this.history(pubkey), this.evidence);
  }

  /** In good standing: past probation, no suspect, not blocked. Its answer can carry a reference of two. */
  credible(pubkey: string): boolean {
    return !this.blocked(pubkey) && !onProbation(this.history(pubkey), this.#schedule, this.evidence);
  }

  /** Draws whether this answer of `pubkey` is checked (the schedule's rate for its history). */
  drawCheck(pubkey: string): boolean {
    if (!this.checks) return false;
    return this.#random() < checkProbability(this.history(pubkey), this.#schedule, this.evidence);
  }

  /** Suspects not blocked (a few at most: a pass over a thousand strangers per referee pick cost seconds). */
  suspects(): string[] {
    this.#struck ??= new Set(
      this.book
        .list()
        .filter((r) => r.checksFailed > 0)
        .map((r) => r.pubkey),
    );
    return [...this.#struck].filter((pubkey) => !this.blocked(pubkey) && this.suspect(pubkey));
  }

  awaiting(pubkey: string, delta: 1 | -1): void {
    this.#awaiting.set(pubkey, Math.max(0, (this.#awaiting.get(pubkey) ?? 0) + delta));
    this.#options.onChange?.(pubkey);
    if (delta < 0) this.#options.onRelease?.(pubkey);
  }

  delivered(pubkey: string): void {
    this.#delivered.set(pubkey, (this.#delivered.get(pubkey) ?? 0) + 1);
  }

  /** One attempt ended (the swarm's onEnded): into the book, with what it cost. */
  jobEnded(pubkey: string, ok: boolean, failure: AttemptFailure | undefined, paidMsats: number): void {
    const end = ok ? "answered" : failure === undefined ? undefined : FAILURE_ENDS[failure];
    if (end === undefined) return;
    this.book.recordJob(pubkey, end, paidMsats);
    this.#records.delete(pubkey);
    this.#options.onChange?.(pubkey);
  }

  recordCheck(pubkey: string, jobId: string, result: "pass" | "strike", paidMsats: number): void {
    this.book.recordCheck(pubkey, jobId, result, paidMsats);
    this.#records.delete(pubkey);
    if (result === "strike") this.#struck?.add(pubkey);
    this.#options.onChange?.(pubkey);
    if (result === "pass") this.report.passes++;
    else this.report.strikes++;
  }

  /** A paid answer thrown away because its provider was caught before it arrived. */
  paidForBad(pubkey: string, msats: number): void {
    const caught = this.report.caught.find((c) => c.pubkey === pubkey);
    if (caught) caught.paidForBadMsats += msats;
  }

  /** Catches each of `pubkeys` whose checks now meet the catch rule. */
  judgeProviders(pubkeys: Iterable<string>): void {
    for (const pubkey of new Set(pubkeys)) {
      if (this.blocked(pubkey)) continue;
      const h = this.history(pubkey);
      if (isCaught({ passes: h.passes, strikes: h.strikes }, this.evidence)) this.#catch(pubkey);
    }
  }

  #catch(pubkey: string): void {
    const before = this.record(pubkey);
    const evidence = this.book.strikes(pubkey);
    this.book.block(
      pubkey,
      `caught by spot checks: ${before?.checksFailed ?? 0} strikes in ${(before?.checksPassed ?? 0) + (before?.checksFailed ?? 0)} checks`,
      "caught",
      evidence,
    );
    this.#records.delete(pubkey);
    const r = this.record(pubkey);
    const caught: CaughtProvider = {
      pubkey,
      name: this.#options.nameOf(pubkey),
      jobsBeforeCaught: r?.jobs ?? 0,
      strikes: r?.checksFailed ?? 0,
      checks: (r?.checksPassed ?? 0) + (r?.checksFailed ?? 0),
      paidMsats: r?.paidMsats ?? 0,
      paidForBadMsats: r?.paidForBadMsats ?? 0,
      evidence,
      at: r?.blocked?.at ?? Date.now(),
    };
    this.report.caught.push(caught);
    this.report.deliveredFromCaught += this.#delivered.get(pubkey) ?? 0;
    this.#options.onCaught(caught);
  }

  close(): void {
    if (this.ownsBook) this.book.close();
  }
}
