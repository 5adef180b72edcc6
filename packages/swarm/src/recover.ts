/**
 * After an interruption, a sub-call may have a job that was published (and recorded as sent) but whose
 * outcome was never recorded: the provider may well have answered. Re-running the same signed request
 * through JobClient reads a stored result back from the relays (the relay answers `duplicate:` to the
 * re-publish and providers never handle a request id twice), so that answer is not paid for twice. Needs
 * the buyer key that signed it, since the result is encrypted to that key.
 */
import type { JobClient, JobOutcome, NostrEvent } from "@pylon/nostr";
import { decodeBatchResults } from "@pylon/protocol";
import type { RunStore } from "./run-store.js";

export async function recoverAnswer(
  client: JobClient,
  store: RunStore,
  runId: string,
  hash: string,
  /** Only jobs sent before this swarm started (epoch ms): our own in-flight jobs are not leftovers. */
  sentBefore: number,
  waitMs: number,
  signal: AbortSignal,
): Promise<JobOutcome | undefined> {
  for (const job of store.unfinishedJobs(runId, hash, sentBefore)) {
    let request: NostrEvent;
    try {
      request = JSON.parse(job.request) as NostrEvent;
    } catch {
      store.jobEnded(job.jobId, "failed", "stored request is not JSON");
      continue;
    }
    if (request.pubkey !== client.pubkey) {
      store.jobEnded(job.jobId, "failed", "sent with another buyer key: its result cannot be read");
      continue;
    }
    try {
      const outcome = await client.run(request, { timeoutMs: waitMs, signal, stopOnRefusal: true });
      const answer = itemOf(outcome, job.jobId);
      if (!answer) throw new Error("the batch result has no answer for this sub-call");
      store.jobEnded(job.jobId, "answered");
      return answer;
    } catch (error) {
      store.jobEnded(job.jobId, "failed", `not recovered on resume: ${(error as Error).message}`);
      // It may still be queued there: withdraw it, since the sub-call is about to be sent afresh.
      void client.cancel(request, "superseded after a resume").catch(() => undefined);
    }
  }
  return undefined;
}

/** A plain job's outcome as is; for an item of a batch (`<request id>:<item id>`), that item's answer. */
function itemOf(outcome: JobOutcome, jobId: string): JobOutcome | undefined {
  const separator = jobId.indexOf(":");
  if (separator < 0) return outcome;
  const itemId = jobId.slice(separator + 1);
  const output = decodeBatchResults(outcome.output)?.find((item) => item.id === itemId)?.output;
  return output === undefined ? undefined : { ...outcome, jobId, output };
}
