/**
 * The other processes' memory and CPU through a soak (relays, provider packs, mint): sampled every few
 * seconds, each relay's peak RSS and the packs' summed peak kept. CPU is cumulative per process and starts
 * again at 0 when one restarts, so a drop means a new life: what the old one had used is carried over.
 */
import type { ProcUsage, SoakUsage, UsageSummary } from "./checks.js";

export function usageSampler(
  read: () => Promise<SoakUsage>,
  intervalMs: number,
  log: (line: string) => void,
): { stop(): Promise<void>; result(): UsageSummary } {
  const peakRss = new Map<string, number>();
  const cpu = new Map<string, { base: number; last: number }>();
  let packsPeak = 0;
  let samples = 0;
  let failed: string | undefined;
  const seen = (u: ProcUsage) => {
    peakRss.set(u.label, Math.max(peakRss.get(u.label) ?? 0, u.rss));
    const c = cpu.get(u.label) ?? { base: 0, last: 0 };
    if (u.cpuUs < c.last) c.base += c.last; // restarted since the last sample
    c.last = u.cpuUs;
    cpu.set(u.label, c);
  };
  let last: SoakUsage | undefined;
  const sample = async () => {
    try {
      const u = await read();
      samples++;
      last = u;
      for (const p of [...u.relays, ...u.packs, u.mint]) seen(p);
      packsPeak = Math.max(
        packsPeak,
        u.packs.reduce((sum, p) => sum + p.rss, 0),
      );
    } catch (error) {
      // A child mid-restart may not answer; the next sample will. Said once.
      if (failed === undefined) log(`  usage sample failed (said once): ${String(error)}`);
      failed = String(error);
    }
  };
  let inFlight: Promise<void> = sample();
  const timer = setInterval(() => {
    inFlight = inFlight.then(sample);
  }, intervalMs);
  let stopped: Promise<void> | undefined;
  const cpuUs = (label: string) => {
    const c = cpu.get(label);
    return c ? c.base + c.last : 0;
  };
  const proc = (u: ProcUsage): ProcUsage => ({
    label: u.label,
    rss: peakRss.get(u.label) ?? u.rss,
    cpuUs: cpuUs(u.label),
  });
  return {
    stop: () => {
      clearInterval(timer);
      stopped ??= inFlight.then(sample); // a last sample, with the end's CPU
      return stopped;
    },
    result: () => ({
      samples,
      relays: (last?.relays ?? []).map(proc),
      packsPeakRss: packsPeak,
      packsCpuUs: (last?.packs ?? []).reduce((sum, p) => sum + cpuUs(p.label), 0),
      packs: last?.packs.length ?? 0,
      mint: last ? proc(last.mint) : { label: "mint", rss: 0, cpuUs: 0 },
    }),
  };
}
