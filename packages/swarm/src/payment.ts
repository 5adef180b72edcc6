/**
 * How the swarm pays a provider for one job. The swarm asks `prepare` before a request is built (it may
 * attach a Cashu token, which then travels only inside the encrypted params) and calls `settle` once the
 * job ended, with what the provider charged. Free providers need nothing; Cashu tokens and tabs plug in
 * here (payments are being integrated into the provider; the swarm side follows).
 */
import type { JobClient, RelayPool } from "@pylon/nostr";
import type { ProviderEntry } from "./directory.js";
import type { RunStore } from "./run-store.js";

export interface PaymentJob {
  /** The worst-case price of the job at this provider (its announced price, max_tokens out), msats. */
  quoteMsats: number;
  inputTokens: number;
  maxTokens: number;
  /** The model asked for, when the sub-call names one. */
  model?: string | undefined;
}

export interface PreparedPayment {
  /** A token for the provider (sent encrypted, so only to providers that read NIP-44). */
  cashuToken?: string;
  /** Extra params for the request (e.g. `tab: "open"`), sent encrypted with the rest. */
  extraParams?: Record<string, string>;
  /**
   * Called once when the provider acknowledged the job (`processing`: a node says it only once the payment
   * is settled, so a tab deposit aboard is credited): lets other jobs use a tab before this one's result.
   */
  accepted?(): void;
}

export interface PaymentSettlement {
  /** The job's id, when a request was published. */
  jobId: string | undefined;
  outcome: "answered" | "failed" | "cancelled";
  /** What the result's `amount` tag said is still owed, msats (0 when nothing is). */
  owedMsats: number;
  /** The result's `["tab", msats]`: what is left on our tab at this provider, when it said. */
  tabMsats?: number;
  /** Output tokens of the answer (estimated: 4 characters a token), when answered. */
  outputTokens?: number;
}

/** What the swarm hands a strategy when it starts: its job client and its run store. */
export interface PaymentBinding {
  client: JobClient;
  store: RunStore;
  runId: string;
  /** The relays jobs go through, and the buyer key: to read refunds addressed to the buyer. */
  pool?: RelayPool;
  secretKey?: Uint8Array;
  /** Told of each refund a provider gave back (the reputation book keeps it), msats. */
  onRefund?(provider: string, msats: number): void;
  /**
   * Wakes sub-calls waiting for a provider with room: call it when a job may now be paid where it could not
   * before. With `provider`: that provider's readiness changed (its deposit confirmed), and selection ranks
   * it again; without: payments may start more widely (the opening window grew).
   */
  notify?(provider?: string): void;
}

/**
 * How soon a job to a provider could be paid for and sent (lazy tabs): selection adds `waitMs` to the
 * provider's expected finish and skips it while `mayStart` is false.
 */
export interface PaymentReadiness {
  /** Expected wait before a job there is paid for, ms: 0 with an open tab that covers it. */
  waitMs: number;
  /** False while no new payment may be started there (e.g. the window of tabs being opened is full). */
  mayStart: boolean;
}

export interface PaymentStrategy {
  readonly name: string;
  /** Whether jobs may go to this provider at all (e.g. it takes a mint we hold tokens of). */
  accepts(provider: ProviderEntry): boolean;
  prepare(provider: ProviderEntry, job: PaymentJob): Promise<PreparedPayment>;
  /** How soon a job could be paid at `provider` (absent: at once, everywhere). Cheap: called per candidate. */
  readiness?(provider: ProviderEntry, job: PaymentJob): PaymentReadiness;
  /**
   * Selection chose `provider` for `job`: a payment it will have to start there counts against the
   * strategy's limits from now, before `prepare` runs (a batch of thousands is picked in one tick; without
   * this, each pick would see room that the picks before it have already taken).
   */
  claim?(provider: ProviderEntry, job: PaymentJob): void;
  /** Called once per published job when it ends; resolves with what the job cost in all, msats. */
  settle(provider: ProviderEntry, job: PaymentJob, settlement: PaymentSettlement): Promise<number>;
  /** Called once by createSwarm before any job. */
  bind?(binding: PaymentBinding): void;
  /** Called by the swarm's close() after the last job ended (e.g. closes tabs, takes refunds in). */
  close?(): Promise<void>;
  /**
   * The provider was caught cheating: close its tab now, take the refund in, and pay it nothing more
   * (`accepts` is false for it afterwards). Failures are reported, not thrown.
   */
  revoke?(provider: string): Promise<void>;
  /** The budget, when there is one: sats it may still lock or pay, of how many in all. */
  budget?(): { leftSats: number; totalSats: number } | undefined;
}

/** Only providers that ask nothing: announced price zero (or none) and no payment method required. */
export const freeStrategy: PaymentStrategy = {
  name: "free",
  accepts: (provider) => {
    const prices = [provider.announcement.price, ...provider.announcement.models.map((m) => m.price)];
    return prices.every(
      (price) =>
        price === undefined ||
        (price.inputMsatsPer1k === 0 && price.outputMsatsPer1k === 0 && (price.minimumMsats ?? 0) === 0),
    );
  },
  prepare: async () => ({}),
  // A free provider owes nothing back and asks nothing; a non-zero `amount` would be a provider's claim we
  // never agreed to, so it is reported (as the cost) rather than hidden.
  settle: async (_provider, _job, settlement) => settlement.owedMsats,
  // Nothing is held at a free provider: nothing to close.
  revoke: async () => undefined,
};
