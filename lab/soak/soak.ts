/**
 * `npm run soak`: sub-calls through a local paid market while providers are SIGKILLed and restarted and
 * the relay restarts; prints the summary table and the checks, exits non-zero when a check fails.
 *
 *   node --expose-gc --import tsx lab/soak/soak.ts [--subcalls 10000] [--providers 8] [--kill-waves 3]
 *     [--kill-fraction 0.3] [--relay-restarts 2] [--max-seconds 780] [--seed 1] [--json FILE]
 */
import { benchArgs, writeBenchJson } from "@pylon/testkit/bench";
import { formatSoak } from "./checks.js";
import { runSoak, SOAK_DEFAULTS, type SoakOptions } from "./soak-core.js";

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
  "min-answered": "minAnsweredRatio",
} as const satisfies Record<string, keyof SoakOptions>;
type NumericOption = (typeof FLAGS)[keyof typeof FLAGS];

const { values, json } = benchArgs(
  Object.fromEntries(Object.entries(FLAGS).map(([flag, key]) => [flag, SOAK_DEFAULTS[key]])) as Record<
    keyof typeof FLAGS,
    number
  >,
);
const options = Object.fromEntries(
  Object.entries(FLAGS).map(([flag, key]) => [key, values[flag as keyof typeof FLAGS]]),
) as Pick<SoakOptions, NumericOption>;

// A second line of defence behind the dispatch cap: the whole process never outlives cap + settling time.
const hardStop = setTimeout(
  () => {
    console.error(`soak: still running ${options.maxSeconds + 120} s after start; giving up`);
    process.exit(2);
  },
  (options.maxSeconds + 120) * 1000,
);
hardStop.unref();

const report = await runSoak(options);
console.log(`\n${formatSoak(report)}\n`);
console.log(report.ok ? "soak: every check passed" : "soak: FAILED");
writeBenchJson(json, {
  benchmark: "swarm/soak",
  date: new Date().toISOString(),
  options: { ...SOAK_DEFAULTS, ...options, log: undefined },
  ...report,
});
process.exitCode = report.ok ? 0 : 1;
