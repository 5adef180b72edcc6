/** What the progress bar of `pylon run` shows, read from the run's counters at the moment it asks. */
import type { TrajectoryRecord } from "@pylon/rlm";
import type { Market } from "./market.js";
import type { SubcallMeter } from "./metered-subcalls.js";
import type { RunProgress } from "./progress.js";

/** Follows the root's replies from the trajectory log records. */
export class RootProgress {
  replies = 0;
  finished = false;

  onRecord(record: TrajectoryRecord): void {
    if (record.depth !== 0) return;
    if (record.type === "iteration") this.replies++;
    if (record.type === "final") {
      this.replies = record.iterations;
      this.finished = true;
    }
  }

  /** The reply in progress (1-based), or the last one once the run ended. */
  get iteration(): number {
    return this.finished ? this.replies : this.replies + 1;
  }
}

export function runSnapshot(
  startedAt: number,
  root: RootProgress,
  meter: SubcallMeter,
  market: Market | undefined,
  /** A root on the market: its turns' sats count with the sub-calls'. */
  rootMeter?: SubcallMeter,
): () => RunProgress {
  return () => {
    const counters = market?.swarm.counters;
    const locked = market?.lockedSats();
    return {
      elapsedMs: Date.now() - startedAt,
      iteration: root.iteration,
      subcalls: { dispatched: meter.dispatched, done: meter.done, failed: meter.failed },
      ...(counters
        ? {
            jobs: {
              sent: counters.jobsSent,
              retried: counters.redispatches,
              hedged: counters.hedges,
              recovered: counters.recovered,
              memo: counters.memoHits,
            },
          }
        : {}),
      providers: {
        used: meter.providers.size,
        ...(market ? { live: market.swarm.directory.live().length } : {}),
      },
      sats: {
        reserved: meter.reservedSats + (rootMeter?.reservedSats ?? 0),
        spent: meter.spentSats + (rootMeter?.spentSats ?? 0),
        ...(locked === undefined ? {} : { locked }),
      },
    };
  };
}
