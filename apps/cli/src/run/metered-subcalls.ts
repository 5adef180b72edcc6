/**
 * A SubcallBackend wrapper that counts what the RLM asked of its sub-call backend, for the progress bar and
 * the receipt: slots dispatched / answered / failed, sats held for slots in flight (what the budget ledger
 * reserved for them: the backend's own estimate) and spent, tokens, and which providers answered (and how
 * often the answer came from another provider than the one before: a root on the market failing over).
 */
import type { SubcallBackend, SubcallRequest, SubcallResult } from "@pylon/rlm";

export interface SubcallMeter {
  dispatched: number;
  done: number;
  failed: number;
  /** Sats the budget holds for slots in flight (their `estimateCostSats`). */
  reservedSats: number;
  /** Sats the slots reported they cost. */
  spentSats: number;
  /** Answered slots that cost something (paid jobs, on the market). */
  paid: number;
  /** Tokens of the answered slots, as the backend reported them. */
  tokens: { input: number; output: number };
  /** Answered slots per provider. */
  providers: Map<string, number>;
  /** Answers from another provider than the answer before (in the order they came). */
  switches: number;
  /** Failed slots per reason (the backend's own words). */
  failures: Map<string, number>;
}

export interface MeteredSubcalls extends SubcallBackend {
  readonly meter: SubcallMeter;
}

export function meteredSubcalls(inner: SubcallBackend): MeteredSubcalls {
  const meter: SubcallMeter = {
    dispatched: 0,
    done: 0,
    failed: 0,
    reservedSats: 0,
    spentSats: 0,
    paid: 0,
    tokens: { input: 0, output: 0 },
    providers: new Map(),
    switches: 0,
    failures: new Map(),
  };
  let last: string | undefined;
  const estimate = (request: SubcallRequest): number => inner.estimateCostSats?.(request) ?? 0;
  const count = (result: SubcallResult): void => {
    meter.spentSats += result.costSats;
    if (!result.ok) {
      meter.failed++;
      const reason = result.error ?? "no reason given";
      meter.failures.set(reason, (meter.failures.get(reason) ?? 0) + 1);
      return;
    }
    meter.done++;
    if (result.costSats > 0) meter.paid++;
    meter.tokens.input += result.usage.inputTokens;
    meter.tokens.output += result.usage.outputTokens;
    if (!result.provider) return;
    meter.providers.set(result.provider, (meter.providers.get(result.provider) ?? 0) + 1);
    if (last !== undefined && last !== result.provider) meter.switches++;
    last = result.provider;
  };
  const wrapped: MeteredSubcalls = {
    name: inner.name,
    meter,
    // One slot per call to the inner backend, so each answer is counted as it comes (a group of slots
    // would be counted only when its slowest one ends). Both inner backends dispatch slots one by one anyway.
    complete: (requests, signal) =>
      Promise.all(
        requests.map(async (request) => {
          const held = estimate(request);
          meter.dispatched++;
          meter.reservedSats += held;
          try {
            const [result] = await inner.complete([request], signal);
            const outcome = result ?? missing(inner.name);
            count(outcome);
            return outcome;
          } finally {
            meter.reservedSats -= held;
          }
        }),
      ),
    ...(inner.estimateCostSats ? { estimateCostSats: (request: SubcallRequest) => estimate(request) } : {}),
    ...(inner.close ? { close: () => inner.close!() } : {}),
  };
  return wrapped;
}

function missing(name: string): SubcallResult {
  return {
    ok: false,
    error: `the sub-call backend ${name} returned no result for this item`,
    provider: "",
    model: "",
    latencyMs: 0,
    costSats: 0,
    usage: { inputTokens: 0, outputTokens: 0 },
  };
}

/** Providers by answered slots, most first. */
export function topProviders(
  meter: SubcallMeter,
  limit: number,
): Array<{ provider: string; answered: number }> {
  return [...meter.providers.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([provider, answered]) => ({ provider, answered }));
}

/** Why slots failed, most frequent first: "3× reason; 1× other". */
export function failureSummary(meter: SubcallMeter, limit = 3): string {
  const sorted = [...meter.failures.entries()].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, limit).map(([reason, count]) => `${count}× ${reason}`);
  if (sorted.length > limit) shown.push(`${sorted.length - limit} other reason(s)`);
  return shown.join("; ");
}
