// The soak's sections for docs/benchmarks.md: `npm run soak` (8 provider processes) and
// `npm run soak -- --providers 1000` (the crowd), the same tables and checks in each.
import { num, table } from "./format.mjs";

const pct = (v) => `${num(v * 100, 1)}%`;

/** @type {Record<string, (d: any, t: import("./format.mjs").Targets) => string>} */
export const SOAK_SECTIONS = {
  soak(d, t) {
    const passed = d.checks.filter((c) => c.ok).length;
    t.add(
      "soak",
      `${num(d.options.subcalls)} sub-calls with faults: every check (table below)`,
      "all pass",
      `${passed}/${d.checks.length} pass`,
      passed === d.checks.length,
    );
    const o = d.options;
    return [
      `${num(o.subcalls)} sub-calls in \`llm_batch\`es of ${o.batch} (${o.concurrentBatches} at once) over ${o.providers} paid providers (child processes, ${o.slots} slots + ${o.queue} queue, scripted ${o.latencyMs} ms); ${o.killWaves} wave(s), each SIGKILLing ${pct(o.killFraction)} of the providers (restarted after ${num(o.downtimeMs[0] / 1000, 1)}–${num(o.downtimeMs[1] / 1000, 1)} s with their data), ${o.relayRestarts} relay kill(s) (restarted on the same port and file database); seed ${o.seed}; run ${d.date.slice(0, 10)}.`,
      ...soakTables(d),
    ].join("\n\n");
  },

  // The soak at a thousand providers (lab/soak/crowd-market.ts on lab/market/crowd.ts): the same tables and
  // checks, the packs and relays' memory and CPU, and the issue's buyer RSS target.
  "soak-crowd"(d, t) {
    const s = d.summary;
    const o = d.options;
    const passed = d.checks.filter((c) => c.ok).length;
    t.add(
      "soak",
      `${num(o.providers)} providers, ${num(o.subcalls)} sub-calls with faults: every check (table below)`,
      "all pass",
      `${passed}/${d.checks.length} pass`,
      passed === d.checks.length,
    );
    t.add(
      "soak",
      `buyer RSS (peak) at ${num(o.providers)} providers and ${num(o.subcalls)} sub-calls`,
      "≤ 500 MB",
      `${num(s.rssMaxMb ?? s.rssPeakMb)} MB`,
      (s.rssMaxMb ?? s.rssPeakMb) <= 500,
    );
    t.add("soak", "relay RSS (peak, the largest relay)", "reported", `${num(s.relayRssPeakMb)} MB`, true);
    const relays = o.relays === 3 ? "two Pylon relays and the foreign one" : `${o.relays} Pylon relay(s)`;
    return [
      `${num(o.subcalls)} sub-calls in \`llm_batch\`es of ${o.batch} (${o.concurrentBatches} at once) over ${num(o.providers)} paid providers packed ${o.perPack} to a process (${num(s.packs)} packs: \`lab/market/crowd.ts\`) on ${relays}, ${o.slots} slots + ${o.queue} queue each, scripted ${o.latencyMs} ms; ${o.killWaves} wave(s), each SIGKILLing the whole packs that hold ${pct(o.killFraction)} of the providers (${num(s.packKills)} pack kills in all, each restarted ${num(o.downtimeMs[0] / 1000, 1)}–${num(o.downtimeMs[1] / 1000, 1)} s later with its keys and data: down ${num(s.downMeanSec, 1)} s on average, ${num(s.downMaxSec, 1)} s at most, SIGKILL to ready), ${o.relayRestarts} SIGKILL and restart(s) of a Pylon relay (same port and database; the foreign relay stays up); seed ${o.seed}; run ${d.date.slice(0, 10)}.`,
      ...soakTables(d),
      `Other processes through the run: relays' peak RSS ${num(s.relayRssPeakMb)} MB (the largest), ${num(s.relayCpuSec, 1)} CPU s (all); provider packs ${num(s.packsRssPeakMb)} MB RSS at peak (summed over ${num(s.packs)}), ${num(s.packsCpuSec, 1)} CPU s; mint ${num(s.mintRssPeakMb)} MB, ${num(s.mintCpuSec, 1)} CPU s.`,
    ].join("\n\n");
  },
};

/** The soak's tables (the same at 8 providers and at 1,000): outcomes, money, time and memory, the checks. */
function soakTables(d) {
  const s = d.summary;
  return [
    table(
      [
        "answered",
        "failed",
        "retried",
        "hedged",
        "no-ack",
        "busy",
        "jobs sent",
        "provider kills",
        "relay restarts",
      ],
      [
        [
          `${num(s.answered)}/${num(s.subcalls)}`,
          num(s.failed),
          num(s.retried),
          num(s.hedged),
          num(s.noAck),
          num(s.busy),
          num(s.jobsSent),
          num(s.providerKills),
          num(s.relayRestarts),
        ],
      ],
    ),
    table(
      [
        "sats deposited",
        "spent",
        "refunded",
        "earned (providers' ecash)",
        "charged",
        "fees",
        "reclaimable",
        "tabs closed",
      ],
      [
        [
          num(s.depositedSats),
          num(s.spentSats),
          num(s.refundedSats),
          num(s.earnedSats),
          num(s.chargedSats, 3),
          num(s.feeSats),
          num(s.reclaimableSats),
          s.tabsClosedByClose === undefined || s.tabsClosedByClose === s.tabsClosed
            ? `${num(s.tabsClosed)}/${num(s.tabs)}`
            : `${num(s.tabsClosed)}/${num(s.tabs)} (${num(s.tabsClosedByClose)} by the run's close)`,
        ],
      ],
    ),
    `Dispatch ${num(s.dispatchSec, 1)} s (${num(s.subcallsPerSec, 1)} sub-calls/s), whole soak ${num(s.totalSec, 1)} s; buyer RSS ${num(s.rssBaselineMb)} MB after warm-up, peak ${num(s.rssPeakMb)} MB (+${num(s.rssGrowthMb)} MB).`,
    table(
      ["check", "result", "detail"],
      d.checks.map((c) => [c.name, c.ok ? "pass" : "**FAIL**", c.detail]),
      ["l", "l", "l"],
    ),
    ...(d.notes ?? []).map((note) => `Note: ${note}`),
  ];
}
