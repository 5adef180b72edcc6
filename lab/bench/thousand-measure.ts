/**
 * What the thousand-provider benchmark reads around each run of a crowd (lab/market/crowd.ts): the buyer's
 * CPU and peak RSS, the mint's operation counts, each relay's CPU and (Pylon's relays, over GET /metrics) the
 * events it took in and fanned out; and what a run's results say about load spread. Figures, not verdicts.
 */
import type { MintOperations } from "@pylon/mint";
import type { SubcallResult } from "@pylon/rlm";
import type { Crowd } from "../market/crowd.js";

/** The buyer's (this process's) RSS, sampled every 250 ms; `peak` in bytes. */
export class RssSampler {
  peak = process.memoryUsage().rss;
  readonly #timer = setInterval(() => this.sample(), 250).unref();
  sample(): number {
    const rss = process.memoryUsage().rss;
    if (rss > this.peak) this.peak = rss;
    return rss;
  }
  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }
}

interface RelayCounts {
  eventsReceived: number;
  eventsSent: number;
  messagesReceived: number;
  bytesReceived: number;
  subscriptionsOpen: number;
}

/** Pylon's relay answers GET /metrics; the foreign one does not (undefined). */
async function relayCounts(wsUrl: string): Promise<RelayCounts | undefined> {
  try {
    const res = await fetch(`${wsUrl.replace(/^ws/, "http")}/metrics`, {
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) return undefined;
    // biome-ignore lint/suspicious/noExplicitAny: the relay's RelayMetrics JSON, read field by field
    const m = (await res.json()) as any;
    return {
      eventsReceived: Number(m.events.received),
      eventsSent: Number(m.fanout.eventsSent),
      messagesReceived: Number(m.messages.received),
      bytesReceived: Number(m.messages.bytesReceived),
      subscriptionsOpen: Number(m.subscriptions.open),
    };
  } catch {
    return undefined;
  }
}

export interface Snapshot {
  at: number;
  buyerCpu: NodeJS.CpuUsage;
  mintOps: MintOperations;
  blindSignatures: number;
  mintCpuUs: number;
  relays: Array<{ label: string; rss: number; cpuUs: number; counts: RelayCounts | undefined }>;
  packsCpuUs: number;
  packsRss: number;
}

export async function snapshot(crowd: Crowd): Promise<Snapshot> {
  const [usage, mint, counts] = await Promise.all([
    crowd.usage(),
    crowd.mintStats(),
    Promise.all(crowd.relayUrls.map(relayCounts)),
  ]);
  return {
    at: performance.now(),
    buyerCpu: process.cpuUsage(),
    mintOps: mint.operations,
    blindSignatures: mint.blindSignatures,
    mintCpuUs: usage.mint.cpuUs,
    relays: usage.relays.map((r, i) => ({ label: r.label, rss: r.rss, cpuUs: r.cpuUs, counts: counts[i] })),
    packsCpuUs: usage.packs.reduce((a, p) => a + p.cpuUs, 0),
    packsRss: usage.packs.reduce((a, p) => a + p.rss, 0),
  };
}

/** Ecash operations (what costs the mint curve math or a database write) apart from reading keys. */
const ECASH_OPS = ["mintQuote", "mint", "meltQuote", "melt", "swap", "checkState", "restore"] as const;

export interface RelayDelta {
  label: string;
  rssMb: number;
  cpuMs: number;
  /** Only where the relay reports metrics (Pylon's). */
  eventsReceived?: number;
  eventsSent?: number;
  bytesPerMessage?: number;
  cpuUsPerEvent?: number;
  subscriptionsOpen?: number;
}

export interface Delta {
  sec: number;
  buyerCpuMs: number;
  mintOps: Partial<MintOperations> & { ecash: number; keyReads: number };
  blindSignatures: number;
  mintCpuMs: number;
  packsCpuMs: number;
  relays: RelayDelta[];
}

/** What happened between two snapshots. */
export function delta(a: Snapshot, b: Snapshot): Delta {
  const ops: Delta["mintOps"] = { ecash: 0, keyReads: 0 };
  for (const key of Object.keys(b.mintOps) as Array<keyof MintOperations>) {
    const d = b.mintOps[key] - (a.mintOps[key] ?? 0);
    if (d !== 0) ops[key] = d;
  }
  for (const key of ECASH_OPS) ops.ecash += ops[key] ?? 0;
  ops.keyReads = (ops.info ?? 0) + (ops.keys ?? 0) + (ops.keysets ?? 0);
  return {
    sec: (b.at - a.at) / 1000,
    buyerCpuMs: (b.buyerCpu.user + b.buyerCpu.system - a.buyerCpu.user - a.buyerCpu.system) / 1000,
    mintOps: ops,
    blindSignatures: b.blindSignatures - a.blindSignatures,
    mintCpuMs: (b.mintCpuUs - a.mintCpuUs) / 1000,
    packsCpuMs: (b.packsCpuUs - a.packsCpuUs) / 1000,
    relays: b.relays.map((r, i) => {
      const before = a.relays[i];
      const cpuUs = r.cpuUs - (before?.cpuUs ?? 0);
      const out: RelayDelta = { label: r.label, rssMb: r.rss / 2 ** 20, cpuMs: cpuUs / 1000 };
      const x = r.counts;
      const y = before?.counts;
      if (x && y) {
        out.eventsReceived = x.eventsReceived - y.eventsReceived;
        out.eventsSent = x.eventsSent - y.eventsSent;
        const messages = x.messagesReceived - y.messagesReceived;
        out.bytesPerMessage = messages > 0 ? (x.bytesReceived - y.bytesReceived) / messages : Number.NaN;
        out.cpuUsPerEvent = out.eventsReceived > 0 ? cpuUs / out.eventsReceived : Number.NaN;
        out.subscriptionsOpen = x.subscriptionsOpen;
      }
      return out;
    }),
  };
}

/** Answered sub-calls per provider, over `providers` (those that got none count as 0). */
export function spread(results: readonly SubcallResult[], providers: readonly string[]) {
  const counts = new Map<string, number>(providers.map((p) => [p, 0]));
  for (const r of results)
    if (r.ok && counts.has(r.provider)) counts.set(r.provider, counts.get(r.provider)! + 1);
  const values = [...counts.values()];
  const total = values.reduce((a, b) => a + b, 0);
  const mean = total / Math.max(1, values.length);
  const max = Math.max(0, ...values);
  return {
    providers: values.length,
    used: values.filter((v) => v > 0).length,
    min: Math.min(...values),
    max,
    mean,
    maxToMean: mean > 0 ? max / mean : Number.NaN,
  };
}
