/** The cheaters run's tables (markdown, as docs/benchmarks.md shows them) and its checks. */
import type { CheatersReport } from "./cheaters-core.js";
import type { RunResult } from "./run-once.js";

const sats = (msats: number) => (msats / 1000).toFixed(1);

/** Per cheater, one row per run: caught or not, after how many jobs, what it was paid and for what. */
function cheaterTable(runs: RunResult[]): string[] {
  const lines = [
    "| run | cheater | jobs | cheated | caught | jobs before caught | strikes | sats paid | paid for bad (book) | bad answers to the RLM | jobs sent after catch | charged after catch (in flight) |",
    "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const run of runs)
    for (const n of run.nodes.filter((n) => n.cheat)) {
      const c = n.caught;
      lines.push(
        `| ${run.label} | ${n.cheat} | ${n.jobs} | ${n.cheated} | ${c ? "yes" : n.blockedAtStart ? "blocked before" : run.checksApplied ? "**no**" : "checks off"} | ` +
          `${c ? `${c.jobsBeforeCaught} (its own count: ${c.jobsAtCatch}, ${c.cheatedAtCatch} cheated)` : "–"} | ` +
          `${c?.strikes ?? "–"} | ${sats(n.chargedMsats)} | ${c ? sats(c.paidForBadMsats) : "–"} | ${n.badDelivered} | ` +
          `${c?.jobsSentAfterCatch ?? "–"} | ${c ? sats(c.chargedAfterCatchMsats) : "–"} |`,
      );
    }
  return lines;
}

/** Per run: wall time, answers, honest flagged, and the checks' cost. */
function runTable(runs: RunResult[]): string[] {
  const off = runs.find((r) => !r.checks);
  const lines = [
    "| run | checks | answered | wall s | vs checks off | honest flagged | honest strikes | checks | check jobs | check cost, sats | paid honest, sats | paid cheaters, sats | re-asked | delivered from caught |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const run of runs) {
    const t = run.trust;
    const honest = run.nodes.filter((n) => !n.cheat);
    const paid = (nodes: typeof run.nodes) => sats(nodes.reduce((s, n) => s + n.chargedMsats, 0));
    const extra =
      off && run !== off && run.subcalls === off.subcalls
        ? `${(((run.wallSec - off.wallSec) / off.wallSec) * 100).toFixed(0)}%`
        : "–";
    lines.push(
      `| ${run.label} | ${run.checksApplied ? "on" : run.checks ? "asked, not in this build" : "off"} | ${run.answered}/${run.subcalls} | ` +
        `${run.wallSec.toFixed(1)} | ${extra} | ${honest.filter((n) => n.caught).length} | ${t ? honest.reduce((sum, n) => sum + n.strikes, 0) : "–"} | ` +
        `${t?.checks ?? "–"} | ${t?.checkJobs ?? "–"} | ${t ? sats(t.checkCostMsats) : "–"} | ${paid(honest)} | ` +
        `${paid(run.nodes.filter((n) => n.cheat))} | ${t?.reasked ?? "–"} | ${t?.deliveredFromCaught ?? "–"} |`,
    );
  }
  return lines;
}

export function formatCheaters(report: CheatersReport): string {
  const m = report.money;
  const lines = [
    ...runTable(report.runs),
    "",
    ...cheaterTable(report.runs),
    "",
    `money (all runs): funded ${m.fundedSats} sats; spent ${m.spentSats} = providers' ecash ${m.earnedSats} + mint fees ${m.feeSats} + reclaimable ${m.reclaimableSats}`,
  ];
  if (report.afterRestart)
    lines.push(
      `after the cheaters' process restart: junk blocked in the book ${report.afterRestart.blockedInBook ? "yes" : "NO"}, ` +
        `jobs it got from a new swarm on the same book: ${report.afterRestart.jobsGiven}`,
    );
  lines.push(
    `market up in ${report.marketSec.toFixed(1)} s; whole run ${report.totalSec.toFixed(1)} s; model digest ${report.modelDigest ?? "(none in this build)"}`,
    "",
    ...report.checks.map((c) => `${c.ok ? "ok  " : "FAIL"} ${c.name}${c.detail ? ` — ${c.detail}` : ""}`),
  );
  return lines.join("\n");
}
