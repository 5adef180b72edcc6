/**
 * Selection at scale without the network: N signed announcements fed to a real ProviderDirectory, a real
 * HealthBook and the swarm's selector, and a simulated clock. Sub-calls pick a provider, hold a place there
 * for a latency drawn per job, and free it; a sub-call that finds no room waits for the next freed place
 * (as the swarm's targeted waking does). Measures the selector's own cost (µs per pick, wall clock) and how
 * the jobs spread over providers and price tiers.
 */
import { randomBytes } from "node:crypto";
import { signEvent } from "@pylon/nostr";
import { buildAnnouncement } from "@pylon/protocol";
import { createSelector, type JobNeeds, type Swarm } from "@pylon/swarm";

export interface SimSpec {
  providers: number;
  /** Jobs in all, and at most this many outstanding at once (the batch's width). */
  jobs: number;
  concurrency: number;
  slots: number;
  queue: number;
  /** Price factor per provider (index → factor); default all 1. */
  priceFactor?: (i: number) => number;
  /** Median job latency, ms, and log-normal sigma; each provider also has a fixed speed factor. */
  medianMs: number;
  sigma: number;
  /** Log-normal sigma of each provider's fixed speed factor (0: identical providers, as the crowd lab's). */
  speedSigma: number;
  unknownLatencyMs: number | "market";
  spreadTolerance?: number;
  /** The selector's spread rule (SelectorOptions.spread); default "finish". */
  spread?: "finish" | "even";
  /** Share of providers that announce only once 30% of the jobs have started (newcomers). */
  late?: number;
}

export interface SimResult {
  providers: number;
  jobs: number;
  concurrency: number;
  unknownLatencyMs: number | "market";
  picks: number;
  /** Selector time per pick, µs: the picks plus the re-ranking each job's start and end causes. */
  pickUs: number;
  /** Median over jobs of a successful pick with its start's re-ranking, µs (robust to a loaded machine). */
  pickMedianUs: number;
  /** Jobs per provider that got any: max / mean over all providers. */
  maxOverMean: number;
  providersUsed: number;
  /** Share of jobs that went to the cheapest price tier (factor 1). */
  cheapShare: number;
  /** Mean simulated latency of a job, ms. */
  meanLatencyMs: number;
  /** With newcomers: their share of the jobs started after they came, over their share of providers (1 = fair). */
  newcomerShare?: number;
}

const BASE_PRICE = { inputMsatsPer1k: 1000, outputMsatsPer1k: 1000 };

/** Signs `count` announcements (the key costs most of it; done once per size and reused). */
export function announcements(count: number, spec: Pick<SimSpec, "slots" | "queue" | "priceFactor">) {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => {
    const factor = spec.priceFactor?.(i) ?? 1;
    return signEvent(
      buildAnnouncement({
        now,
        handlerId: "pylon",
        name: `sim ${i}`,
        models: [{ name: "m", contextLength: 8192 }],
        price: { inputMsatsPer1k: BASE_PRICE.inputMsatsPer1k * factor, outputMsatsPer1k: 1000 * factor },
        capacity: { slots: spec.slots, maxQueue: spec.queue },
      }),
      new Uint8Array(randomBytes(32)),
    );
  });
}

/** A seeded uniform generator (mulberry32): runs compare like with like. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs the simulation on a fresh swarm's directory and health book (`fresh` makes one; its relay is empty,
 * the announcements are ingested directly).
 */
export async function simulate(
  fresh: () => Promise<Swarm>,
  events: ReturnType<typeof announcements>,
  spec: SimSpec,
): Promise<SimResult> {
  const swarm = await fresh();
  try {
    const lateFrom = Math.round(events.length * (1 - (spec.late ?? 0)));
    for (const event of events.slice(0, lateFrom)) swarm.directory.ingest(event);
    const selector = createSelector(swarm.directory, swarm.health, undefined, {
      unknownLatencyMs: spec.unknownLatencyMs,
      ...(spec.spreadTolerance === undefined ? {} : { spreadTolerance: spec.spreadTolerance }),
      ...(spec.spread ? { spread: spec.spread } : {}),
    });
    const needs: JobNeeds = { model: "m", inputTokens: 100, maxTokens: 64, maxPriceMsats: undefined };
    const random = seeded(42);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const speed = new Map<string, number>();
    const factorOf = new Map<string, number>();
    events.forEach((event, i) => {
      speed.set(event.pubkey, Math.exp(spec.speedSigma * normal()));
      factorOf.set(event.pubkey, spec.priceFactor?.(i) ?? 1);
    });
    const newcomers = new Set(events.slice(lateFrom).map((event) => event.pubkey));
    let joinedAt: number | undefined;
    let toNewcomers = 0;
    // Completions ordered by time: a binary heap of [at, pubkey, latency].
    const heap: Array<[number, string, number]> = [];
    const push = (item: [number, string, number]): void => {
      heap.push(item);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (heap[parent]![0] <= heap[i]![0]) break;
        [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
        i = parent;
      }
    };
    const pop = (): [number, string, number] => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && heap[l]![0] < heap[m]![0]) m = l;
          if (r < heap.length && heap[r]![0] < heap[m]![0]) m = r;
          if (m === i) break;
          [heap[m], heap[i]] = [heap[i]!, heap[m]!];
          i = m;
        }
      }
      return top;
    };
    const jobsAt = new Map<string, number>();
    const exclude = new Set<string>();
    let clock = 0;
    let started = 0;
    let waiting = 0;
    let picks = 0;
    let pickNs = 0n;
    /** Selector time per dispatched job (its pick and its re-rankings), ns: the median resists preemption. */
    const perJob: number[] = [];
    let latencySum = 0;
    let cheap = 0;
    const tryStart = (): boolean => {
      const t0 = process.hrtime.bigint();
      const entry = selector.pick(needs, exclude);
      if (entry) swarm.health.started(entry.pubkey); // the selector re-ranks it: part of a dispatch's cost
      const spent = process.hrtime.bigint() - t0;
      pickNs += spent;
      picks++;
      if (!entry) return false;
      perJob.push(Number(spent));
      const latency = spec.medianMs * speed.get(entry.pubkey)! * Math.exp(spec.sigma * normal());
      push([clock + latency, entry.pubkey, latency]);
      jobsAt.set(entry.pubkey, (jobsAt.get(entry.pubkey) ?? 0) + 1);
      if (factorOf.get(entry.pubkey) === 1) cheap++;
      if (newcomers.has(entry.pubkey)) toNewcomers++;
      latencySum += latency;
      started++;
      if (joinedAt === undefined && newcomers.size > 0 && started >= 0.3 * spec.jobs) {
        joinedAt = started;
        for (const event of events.slice(lateFrom)) swarm.directory.ingest(event);
      }
      return true;
    };
    // The batch's first wave, then one more job per freed place (a waiter woken by it).
    for (let i = 0; i < Math.min(spec.jobs, spec.concurrency); i++) if (!tryStart()) waiting++;
    let queued = Math.max(0, spec.jobs - spec.concurrency);
    while (heap.length > 0) {
      const [at, pubkey, latency] = pop();
      clock = at;
      const t0 = process.hrtime.bigint();
      swarm.health.ended(pubkey);
      swarm.health.succeeded(pubkey, latency);
      pickNs += process.hrtime.bigint() - t0;
      // The finished sub-call's slot in the batch goes to the next sub-call; a waiter takes the freed place.
      if (queued > 0) {
        queued--;
        waiting++;
      }
      while (waiting > 0 && tryStart()) waiting--;
    }
    const counts = [...jobsAt.values()];
    const mean = started / spec.providers;
    return {
      providers: spec.providers,
      jobs: started,
      concurrency: spec.concurrency,
      unknownLatencyMs: spec.unknownLatencyMs,
      picks,
      pickUs: Number(pickNs) / 1000 / picks,
      pickMedianUs: (perJob.sort((a, b) => a - b)[perJob.length >> 1] ?? 0) / 1000,
      maxOverMean: Math.max(...counts) / mean,
      providersUsed: counts.length,
      cheapShare: cheap / started,
      meanLatencyMs: latencySum / started,
      ...(joinedAt === undefined
        ? {}
        : { newcomerShare: toNewcomers / (started - joinedAt) / (newcomers.size / spec.providers) }),
    };
  } finally {
    await swarm.close();
  }
}
