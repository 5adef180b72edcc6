/**
 * A safety net for tab reserves. Every job settles its reserve before it is recorded as ended, so a reserve
 * still held for a job that ended (or that the job store no longer knows) was missed by a bug; left alone it
 * would keep the buyer's tab from ever closing, and from its refund on expiry. It is released, nothing
 * charged, with a log line naming the job. Jobs still in flight are left alone: they settle on their own.
 */
import { type Logger, shortId } from "../log.js";
import type { PaymentPolicy } from "../payments/policy.js";
import type { JobState, JobStore } from "../store/job-store.js";

const ENDED: ReadonlySet<JobState> = new Set(["done", "failed", "cancelled", "unpaid"]);

/** Releases the reserves of ended jobs; returns how many. */
export function releaseOrphanHolds(store: JobStore, policy: PaymentPolicy, log: Logger): number {
  let released = 0;
  for (const jobId of policy.openHolds?.() ?? []) {
    const job = store.get(jobId);
    if (job && !ENDED.has(job.state)) continue;
    policy.settle?.(jobId, 0);
    released++;
    log.warn(
      `job ${shortId(jobId)}: its tab reserve outlived it (${job ? `job ${job.state}` : "job not stored"}); released, nothing charged`,
    );
  }
  return released;
}
