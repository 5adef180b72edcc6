/** What a sub-call's failed attempt counts against its provider, and the abortable sleep between tries. */
import type { HealthBook } from "./health.js";
import type { AttemptFailure, AttemptResult } from "./job-attempt.js";
import type { SwarmCounters } from "./swarm-counters.js";

/** The counter each failure a provider is to blame for (or `busy`) adds to. */
const FAILURE_COUNTERS: Partial<Record<AttemptFailure, keyof SwarmCounters>> = {
  busy: "busy",
  "no-ack": "noAck",
  timeout: "timeouts",
  error: "errors",
};

export function recordFailure(
  health: HealthBook,
  counters: SwarmCounters,
  result: Extract<AttemptResult, { ok: false }>,
): void {
  const { failure, entry } = result;
  // "not-published" and "aborted" are our side's doing: nothing to count against the provider.
  const counter = FAILURE_COUNTERS[failure];
  if (counter === undefined) return;
  counters[counter]++;
  if (failure === "busy") health.busy(entry.pubkey);
  else health.failed(entry.pubkey);
}

/** Resolves after `ms`, or as soon as any of the signals aborts (its timer then cleared). */
export function sleep(ms: number, ...signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signals.some((signal) => signal.aborted)) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener("abort", done);
      resolve();
    }
    for (const signal of signals) signal.addEventListener("abort", done, { once: true });
  });
}
