/**
 * Trust as the swarm wires it (`SwarmOptions.trust`): the keeper over the reputation book, the spot-check
 * context, what a catch sets off (memo forgotten, tab revoked, verdict published), labels read at start,
 * and the report.
 */
import type { RelayPool } from "@pylon/nostr";
import { DEFAULT_COMPARISON } from "@pylon/trust";
import type { ProviderDirectory } from "./directory.js";
import type { HealthBook } from "./health.js";
import type { PaymentStrategy } from "./payment.js";
import type { RunStore } from "./run-store.js";
import type { SpotCheckContext } from "./spot-check.js";
import type { SubcallDeps } from "./subcall-runner.js";
import type { SwarmCounters } from "./swarm-counters.js";
import { publishCaught, readReports } from "./swarm-verdicts.js";
import { TrustKeeper } from "./trust-keeper.js";
import type { CaughtProvider, TrustOptions, TrustReport } from "./trust-types.js";

/** Tie-breakers asked when a check's answers disagree. */
const DEFAULT_MAX_REFEREES = 3;
/** How long reading trusted buyers' labels may hold up the start, ms. */
const LABELS_TIMEOUT_MS = 3_000;

export interface SwarmTrustParts {
  directory: ProviderDirectory;
  health: HealthBook;
  store: RunStore;
  payment: PaymentStrategy;
  pool: RelayPool;
  /** Capacity changed (a provider left selection): waiting sub-calls look again. */
  notify: () => void;
  /** A verdict freed a place in `provider`'s probation quota: one waiting sub-call may take it. */
  release: (provider: string) => void;
  /** Selection's view of `provider` (probation quota, record) may have changed. */
  rerank?: (provider: string) => void;
  /** Aborts the jobs under way at a provider (their sub-calls go elsewhere). */
  abortAt?: (provider: string, reason: string) => void;
}

export class SwarmTrust {
  readonly keeper: TrustKeeper;
  readonly #options: TrustOptions;
  readonly #parts: SwarmTrustParts;
  /** Revocations and verdicts under way (close() waits for them). */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: TrustOptions | undefined, parts: SwarmTrustParts) {
    this.#options = options ?? {};
    this.#parts = parts;
    const checks = this.#options.checks === false ? undefined : (this.#options.checks ?? {});
    this.keeper = new TrustKeeper({
      book: this.#options.book,
      checks,
      inFlight: (pubkey) => parts.health.of(pubkey).inFlight,
      nameOf: (pubkey) => parts.directory.get(pubkey)?.announcement.name ?? "",
      onCaught: (caught) => this.#caught(caught),
      onRelease: parts.release,
      ...(parts.rerank ? { onChange: parts.rerank } : {}),
      checksLocally: this.#options.verifyLocal !== undefined,
    });
  }

  /** The spot-check context over `deps` (check jobs' dispatch); undefined when checks are off. */
  checkContext(deps: SubcallDeps): SpotCheckContext | undefined {
    const checks = this.keeper.checks;
    if (!checks) return undefined;
    return {
      keeper: this.keeper,
      deps,
      verifyLocal: this.#options.verifyLocal,
      comparison: { ...DEFAULT_COMPARISON, ...checks.comparison },
      maxReferees: checks.maxReferees ?? DEFAULT_MAX_REFEREES,
    };
  }

  /** Labels from buyers the user trusts (`trustLabelsFrom`) into the book; a failed read changes nothing. */
  async readLabels(): Promise<void> {
    const authors = this.#options.trustLabelsFrom ?? [];
    if (authors.length === 0) return;
    try {
      const reports = await readReports(this.#parts.pool, authors, LABELS_TIMEOUT_MS);
      for (const [provider, count] of reports) this.keeper.book.setReports(provider, count);
    } catch {
      // Labels are advice: without them the run goes on on our own evidence.
    }
  }

  report(counters: SwarmCounters): TrustReport {
    const report = this.keeper.report;
    return {
      ...report,
      checks: counters.checks,
      checkJobs: counters.checkJobs,
      checkWaitMs: Math.round(report.checkWaitMs),
      caught: report.caught.map((c) => ({ ...c, evidence: [...c.evidence] })),
    };
  }

  /** Waits for revocations and verdicts under way. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  close(): void {
    this.keeper.close();
  }

  #caught(caught: CaughtProvider): void {
    const { store, payment, pool } = this.#parts;
    // Its answers are not to be served again, here or on a resume.
    store.forgetProvider(caught.pubkey);
    // Its jobs under way are cancelled first (a cancelled job is not charged), then its tab is closed.
    this.#parts.abortAt?.(caught.pubkey, "the provider was caught cheating");
    this.#track(payment.revoke?.(caught.pubkey));
    if (this.#options.publishVerdicts) {
      const reason = `${caught.strikes} of ${caught.checks} spot checks struck`;
      this.#track(publishCaught(pool, { provider: caught.pubkey, jobIds: caught.evidence, reason }));
    }
    this.#parts.notify();
  }

  #track(work: Promise<unknown> | undefined): void {
    if (!work) return;
    const tracked = work.catch(() => undefined);
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }
}
