/** The soak's summary table and checks, as markdown (what `npm run soak` prints at the end). */
import type { SoakReport } from "./soak-types.js";

/** The summary table and the checks, as markdown. */
export function formatSoak(report: SoakReport): string {
  const s = report.summary;
  const n = (v: number | undefined, digits = 0) =>
    (v ?? 0).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines = [
    "| answered | failed | retried | hedged | no-ack | busy | jobs sent | provider kills | relay restarts |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| ${n(s.answered)}/${n(s.subcalls)} | ${n(s.failed)} | ${n(s.retried)} | ${n(s.hedged)} | ${n(s.noAck)} | ` +
      `${n(s.busy)} | ${n(s.jobsSent)} | ${n(s.providerKills)} | ${n(s.relayRestarts)} |`,
    "",
    "| sats deposited | spent | refunded | earned (providers' ecash) | charged | fees | reclaimable | tabs closed |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| ${n(s.depositedSats)} | ${n(s.spentSats)} | ${n(s.refundedSats)} | ${n(s.earnedSats)} | ${n(s.chargedSats, 3)} | ` +
      `${n(s.feeSats)} | ${n(s.reclaimableSats)} | ${n(s.tabsClosed)}/${n(s.tabs)} (${n(s.tabsClosedByClose)} by the run's close) |`,
    "",
    `dispatch ${n(s.dispatchSec, 1)} s (${n(s.subcallsPerSec, 1)} sub-calls/s), whole soak ${n(s.totalSec, 1)} s; ` +
      `buyer RSS ${n(s.rssBaselineMb)} MB after warm-up, peak ${n(s.rssPeakMb)} MB (+${n(s.rssGrowthMb)} MB)`,
    ...(s.relayRssPeakMb === undefined
      ? []
      : [
          "",
          `relays: peak RSS ${n(s.relayRssPeakMb)} MB (the largest), ${n(s.relayCpuSec, 1)} CPU s (all); ` +
            `${n(s.packs)} provider packs: ${n(s.packsRssPeakMb)} MB RSS at peak (summed), ${n(s.packsCpuSec, 1)} CPU s; ` +
            `mint ${n(s.mintRssPeakMb)} MB, ${n(s.mintCpuSec, 1)} CPU s; ${n(s.packKills)} pack kills, ` +
            `down ${n(s.downMeanSec, 1)} s on average (${n(s.downMaxSec, 1)} s at most), SIGKILL to ready`,
        ]),
    "",
    "| check | result | detail |",
    "| --- | --- | --- |",
    ...report.checks.map(
      (c) => `| ${c.name} | ${c.ok ? "pass" : "**FAIL**"} | ${c.detail.replaceAll("|", "\\|")} |`,
    ),
    ...(report.notes.length ? ["", ...report.notes.map((note) => `Note: ${note}`)] : []),
  ];
  return lines.join("\n");
}
