import type { Earnings } from "./payments/earnings.js";

/** Counters for `status()`: what this run of the node did, and how fast it generated. */
export interface NodeStatus {
  pubkey: string;
  npub: string;
  model: string;
  /** The model file's sha256 ("sha256:…"), announced and required of requests naming one; absent when unknown. */
  modelDigest?: string;
  payment: string;
  startedAt: string;
  uptimeSec: number;
  jobs: {
    /** Jobs answered by a published result (each item of a batch that got an output counts one). */
    served: number;
    /** Batched requests answered (one result each); their items are counted in `served`/`failed`. */
    batches: number;
    /** Accepted jobs that ended in an error feedback, and batch items answered with an error. */
    failed: number;
    cancelled: number;
    /** Requests answered with an error before acceptance (invalid, busy, wrong model…). */
    refused: number;
    /** Of those refused: because every slot and queue place was taken. */
    busy: number;
    paymentRequired: number;
    /** Jobs picked up again after a restart. */
    resumed: number;
  };
  /** Output tokens generated, by every job that ran (cancelled and failed ones included). */
  tokensGenerated: number;
  /** Output tokens per second of generation (wall time while at least one job ran). */
  tokensPerSecond: number;
  activeJobs: number;
  queueDepth: number;
  slots: number;
  maxQueue: number;
  /** Each relay's connection state; `lastError` says why one is not open (e.g. the connection was refused). */
  relays: { relay: string; state: string; lastError?: string }[];
  /** Ecash earned, when the node takes Cashu payments (from SQLite, so it spans restarts). */
  earnings?: Earnings;
}

export type Counter = keyof NodeStatus["jobs"];

export class NodeStats {
  readonly startedAt = Date.now();
  readonly jobs: NodeStatus["jobs"] = {
    served: 0,
    batches: 0,
    failed: 0,
    cancelled: 0,
    refused: 0,
    busy: 0,
    paymentRequired: 0,
    resumed: 0,
  };
  tokensGenerated = 0;
  #running = 0;
  #busySince = 0;
  #busyMs = 0;

  count(counter: Counter, by = 1): void {
    this.jobs[counter] += by;
  }

  jobStarted(): void {
    if (this.#running++ === 0) this.#busySince = performance.now();
  }

  jobEnded(outputTokens: number): void {
    this.tokensGenerated += outputTokens;
    if (--this.#running === 0) this.#busyMs += performance.now() - this.#busySince;
  }

  tokensPerSecond(): number {
    const busyMs = this.#busyMs + (this.#running > 0 ? performance.now() - this.#busySince : 0);
    return busyMs > 0 ? (this.tokensGenerated * 1000) / busyMs : 0;
  }
}
