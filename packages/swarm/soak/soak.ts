/**
 * `npm run soak`: sub-calls through a local paid market while providers are SIGKILLed and restarted and
 * the relay restarts; prints the summary table and the checks, exits non-zero when a check fails.
 *
 *   npm run soak -- [--subcalls 10000] [--providers 8] [--kill-waves 3] [--kill-fraction 0.3]
 *     [--relay-restarts 2] [--max-seconds 780] [--seed 1] [--json FILE]
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatSoak } from "./checks.js";
import { runSoak, SOAK_DEFAULTS, type SoakOptions } from "./soak-core.js";

const NUMERIC = {
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

const { values } = parseArgs({
  options: {
    json: { type: "string" },
    ...Object.fromEntries(Object.keys(NUMERIC).map((flag) => [flag, { type: "string" as const }])),
  },
});
const options: Partial<Record<(typeof NUMERIC)[keyof typeof NUMERIC], number>> = {};
for (const [flag, key] of Object.entries(NUMERIC)) {
  const text = (values as Record<string, string | undefined>)[flag];
  if (text === undefined) continue;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} needs a non-negative number, got ${text}`);
  options[key] = n;
}

// A second line of defence behind the dispatch cap: the whole process never outlives cap + settling time.
const maxSeconds = options.maxSeconds ?? SOAK_DEFAULTS.maxSeconds;
const hardStop = setTimeout(
  () => {
    console.error(`soak: still running ${maxSeconds + 120} s after start; giving up`);
    process.exit(2);
  },
  (maxSeconds + 120) * 1000,
);
hardStop.unref();

const report = await runSoak(options);
console.log(`\n${formatSoak(report)}\n`);
console.log(report.ok ? "soak: every check passed" : "soak: FAILED");
if (values.json) {
  writeFileSync(
    values.json,
    `${JSON.stringify({ benchmark: "swarm/soak", date: new Date().toISOString(), options: { ...SOAK_DEFAULTS, ...options, log: undefined }, ...report }, null, 2)}\n`,
  );
  console.error(`wrote ${values.json}`);
}
process.exitCode = report.ok ? 0 : 1;
