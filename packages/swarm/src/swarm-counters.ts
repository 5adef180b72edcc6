/** What the swarm did, for receipts, `pylon run` progress and tests. */
export interface SwarmCounters {
  /** Sub-calls asked of the swarm. */
  subcalls: number;
  /** Answered from the memo (this run resumed, or the same question asked before). */
  memoHits: number;
  /** Answers read back from the relays for jobs an interrupted run had sent (not sent again). */
  recovered: number;
  /** Jobs sent (first sends, re-dispatches and hedges), counting each item of a batch. */
  jobsSent: number;
  /** Batched requests published (each carried several of the jobs above). */
  batchesSent: number;
  /** Jobs sent again to another provider after a failure. */
  redispatches: number;
  /** Duplicates sent for stragglers, those that answered first, and losers cancelled. */
  hedges: number;
  hedgeWins: number;
  hedgeCancels: number;
  busy: number;
  noAck: number;
  timeouts: number;
  errors: number;
  /** Sub-calls that ended without an answer. */
  failed: number;
  /** Spot checks run, and the jobs sent for them (also in `jobsSent`; not sub-calls). */
  checks: number;
  checkJobs: number;
}

export function emptyCounters(): SwarmCounters {
  return {
    subcalls: 0,
    memoHits: 0,
    recovered: 0,
    jobsSent: 0,
    batchesSent: 0,
    redispatches: 0,
    hedges: 0,
    hedgeWins: 0,
    hedgeCancels: 0,
    busy: 0,
    noAck: 0,
    timeouts: 0,
    errors: 0,
    failed: 0,
    checks: 0,
    checkJobs: 0,
  };
}
