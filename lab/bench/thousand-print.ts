/** The thousand-provider benchmark's tables for people (stdout); docs/benchmarks.md renders the JSON itself. */
import { fixed } from "@pylon/testkit/bench";
import type { RunFigures } from "./thousand-run.js";

// biome-ignore lint/suspicious/noExplicitAny: the report is the bench's own JSON, read where present
type Any = any;

const f = (n: unknown, digits = 1) => (typeof n === "number" && Number.isFinite(n) ? fixed(n, digits) : "—");

function runRow(where: string, r: RunFigures | undefined): string {
  if (!r) return `| ${where} | — | — | — | — | — | — |`;
  return (
    `| ${where} | ${r.answered}/${r.subcalls} | ${f(r.wallSec, 2)} | ${f(r.jobsPerSec, 0)} | ` +
    `${f(r.latencyP50Ms, 0)} / ${f(r.latencyP99Ms, 0)} | ${r.providersUsed} | ${f(r.closeSec, 1)} |`
  );
}

/** Relay CPU per event and events per sub-call of a run (Pylon's relays; the foreign one has no metrics). */
export function relayFigures(r: RunFigures) {
  const pylon = r.dispatch.relays.filter((x) => x.eventsReceived !== undefined);
  const events = pylon.reduce((a, x) => a + (x.eventsReceived ?? 0), 0);
  const cpuMs = pylon.reduce((a, x) => a + x.cpuMs, 0);
  return {
    relays: pylon.length,
    eventsPerSubcall: events / Math.max(1, pylon.length) / r.subcalls,
    fanoutPerSubcall:
      pylon.reduce((a, x) => a + (x.eventsSent ?? 0), 0) / Math.max(1, pylon.length) / r.subcalls,
    cpuUsPerEvent: events > 0 ? (cpuMs * 1000) / events : Number.NaN,
    buyerCpuMsPerJob: r.dispatch.buyerCpuMs / r.subcalls,
  };
}

export function printReport(report: Any): void {
  const out: string[] = [];
  const o = report.options;
  out.push(`\nA thousand providers: ${report.machine.cpus} CPUs, Node ${report.machine.node}\n`);
  out.push("| run | answered | wall s | jobs/s | sub-call p50 / p99 ms | providers used | close s |");
  out.push("|---|---:|---:|---:|---:|---:|---:|");
  const runs: Array<[string, string]> = [
    ["main", `${o.providers} providers`],
    ["eight", `${o.eight} providers`],
  ];
  for (const [key, label] of runs) {
    const p = report[key];
    out.push(runRow(`${label}, cold`, p?.cold));
    out.push(runRow(`${label}, tabs open`, p?.warm));
    if (p?.even) out.push(runRow(`${label}, cold, even spread`, p.even));
  }
  const main = report.main;
  if (main) {
    const rf = relayFigures(main.cold);
    out.push(
      `\ndiscovery of ${main.providers}: 99% ${f(main.cold.discoveryMs / 1000, 2)} s, all ` +
        `${main.cold.discoveryAllMs === undefined ? `— (${main.cold.live} live)` : `${f(main.cold.discoveryAllMs / 1000, 2)} s`}; crowd start ${f(main.startMs / 1000, 1)} s ` +
        `(${main.packs} packs); cold/warm ${f(main.coldToWarm, 2)}; spread max/mean ${f(main.spread.maxToMean, 2)} ` +
        `(${main.spread.used} used, max ${main.spread.max}; even spread ${f(main.even?.spread?.maxToMean, 2)}); buyer CPU ${f(rf.buyerCpuMsPerJob, 3)} ms/job; ` +
        `relay ${f(rf.eventsPerSubcall, 3)} events in and ${f(rf.fanoutPerSubcall, 3)} out per sub-call, ` +
        `${f(rf.cpuUsPerEvent, 0)} µs CPU per event`,
    );
    const ops = (r: RunFigures | undefined) =>
      r ? r.dispatch.mintOps.ecash + r.close.mintOps.ecash : Number.NaN;
    out.push(
      `mint ecash operations: cold ${ops(main.cold)}, warm + settlement ${ops(main.warm)} ` +
        `(${f((ops(main.cold) + ops(main.warm)) / Math.max(1, main.cold.providersUsed), 2)} per provider used)`,
    );
  }
  if (report.tiers)
    out.push(
      `two tiers (×1, ×2): ${f(report.tiers.cheapShare * 100, 1)}% of ${report.tiers.run.answered} jobs to the cheaper`,
    );
  if (report.speedup)
    out.push(
      `speed-up over ${report.speedup.places} places from cold: ${f(report.speedup.speedup, 1)}× (ideal ${f(report.speedup.idealSpeedup, 0)}×)`,
    );
  if (report.stragglers)
    out.push(
      `stragglers (${f(report.stragglers.share * 100, 0)}% at ${report.stragglers.factor}×, hedging on): p50 ` +
        `${f(report.stragglers.p50Ms, 0)} ms, p99 ${f(report.stragglers.p99Ms, 0)} ms, ${f(report.stragglers.p99ToP50, 2)}×`,
    );
  out.push(`buyer peak RSS ${f(report.buyerPeakRssMb, 0)} MB`);
  for (const [name, error] of Object.entries(report.errors ?? {}))
    out.push(`**${name} failed**: ${String(error)}`);
  console.log(out.join("\n"));
}
