/**
 * `npm run soak`: sub-calls through a local paid market while providers are SIGKILLed and restarted and
 * a relay restarts; prints the summary table and the checks, exits non-zero when a check fails.
 *
 *   node --expose-gc --import tsx lab/soak/soak.ts [--subcalls 10000] [--providers 8] [--kill-waves 3]
 *     [--kill-fraction 0.3] [--relay-restarts 2] [--max-seconds 780] [--seed 1] [--json FILE]
 *
 * Up to 16 providers each is its own process on one relay. Above, the soak runs on the crowd (providers
 * packed --per-pack to a process over --relays 3: two Pylon relays and the foreign one), a kill wave
 * SIGKILLs the packs holding --kill-fraction of the providers, the relay restarts go round the Pylon
 * relays, and the defaults become --subcalls 100 × providers (100,000 at --providers 1000),
 * --concurrent-batches 8 and a buyer RSS check ≤ 500 MB (--max-rss-mb; 0 turns it off).
 */
import { benchArgs, writeBenchJson } from "@pylon/testkit/bench";
import { formatSoak } from "./format.js";
import { CROWD_ABOVE, runSoak, type SoakOptions, soakDefaults } from "./soak-core.js";

/** Flag → option, for every numeric option. */
const FLAGS = {
  subcalls: "subcalls",
  providers: "providers",
  slots: "slots",
  queue: "queue",
  "latency-ms": "latencyMs",
  "kill-waves": "killWaves",
  "kill-fraction": "killFraction",
  "relay-restarts": "relayRestarts",
  "max-seconds": "maxSeconds",
  batch: "batch",
  "concurrent-batches": "concurrentBatches",
  "deadline-ms": "deadlineMs",
  "ack-timeout-ms": "ackTimeoutMs",
  seed: "seed",
  "max-rss-growth-mb": "maxRssGrowthMb",
  "max-rss-mb": "maxRssMb",
  "per-pack": "perPack",
  relays: "relays",
  "min-answered": "minAnsweredRatio",
} as const satisfies Record<string, keyof SoakOptions>;
type NumericOption = (typeof FLAGS)[keyof typeof FLAGS];

const flagDefaults = (defaults: SoakOptions) =>
  Object.fromEntries(Object.entries(FLAGS).map(([flag, key]) => [flag, defaults[key]])) as Record<
    keyof typeof FLAGS,
    number
  >;
// Twice: the provider count picks the defaults (the crowd's above 16), then the flags given override them.
const { providers } = benchArgs(flagDefaults(soakDefaults())).values;
const defaults = soakDefaults({ providers });
const { values, json } = benchArgs(flagDefaults(defaults));
const options = Object.fromEntries(
  Object.entries(FLAGS).map(([flag, key]) => [key, values[flag as keyof typeof FLAGS]]),
) as Pick<SoakOptions, NumericOption>;

// A second line of defence behind the dispatch cap: the whole process never outlives cap + start and
// settling time (which grow with the providers: packs to start, tabs to close, books to read).
const limitSec = options.maxSeconds + 120 + Math.round(0.3 * options.providers);
const hardStop = setTimeout(() => {
  console.error(`soak: still running ${limitSec} s after start; giving up`);
  process.exit(2);
}, limitSec * 1000);
hardStop.unref();

const report = await runSoak(options);
console.log(`\n${formatSoak(report)}\n`);
console.log(report.ok ? "soak: every check passed" : "soak: FAILED");
writeBenchJson(json, {
  benchmark: "swarm/soak",
  date: new Date().toISOString(),
  market: options.providers > CROWD_ABOVE ? "crowd" : "processes",
  options: { ...defaults, ...options, log: undefined },
  ...report,
});
process.exitCode = report.ok ? 0 : 1;
