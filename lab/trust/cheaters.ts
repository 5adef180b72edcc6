/**
 * `npm run cheaters` (or `npm run soak -- --cheaters`): 12 honest llama nodes and 4 cheaters (junk, junk on
 * 10%, truncated prompts, another model under the honest identity) in a local paid market; the same seeded
 * sub-calls with spot checks off and on; who was caught after how many jobs, what each was paid, what the
 * checks cost; a restart of the cheaters; the books to the sat. Exits non-zero when a check fails.
 *
 *   node --import tsx lab/trust/cheaters.ts [--subcalls 5000] [--seeds 1] [--seed 1] [--checks both|on|off]
 *     [--honest 12] [--restart-subcalls 300] [--max-seconds 1800] [--json FILE]
 */
import { benchArgs, writeBenchJson } from "@pylon/testkit/bench";
import { CHEATERS_DEFAULTS, runCheaters } from "./cheaters-core.js";
import { formatCheaters } from "./report.js";

const argv = process.argv.slice(2).filter((arg) => arg !== "--cheaters"); // as forwarded by `npm run soak`
const { values, json } = benchArgs(
  {
    subcalls: CHEATERS_DEFAULTS.subcalls,
    seeds: CHEATERS_DEFAULTS.seeds,
    seed: CHEATERS_DEFAULTS.seed,
    checks: CHEATERS_DEFAULTS.checks as string,
    honest: CHEATERS_DEFAULTS.honest,
    "restart-subcalls": CHEATERS_DEFAULTS.restartSubcalls,
    "max-seconds": CHEATERS_DEFAULTS.maxSeconds,
  },
  argv,
);
if (!["both", "on", "off"].includes(values.checks))
  throw new Error(`--checks must be both, on or off, got "${values.checks}"`);

const report = await runCheaters({
  subcalls: values.subcalls,
  seeds: values.seeds,
  seed: values.seed,
  checks: values.checks as "both" | "on" | "off",
  honest: values.honest,
  restartSubcalls: values["restart-subcalls"],
  maxSeconds: values["max-seconds"],
});
console.log(`\n${formatCheaters(report)}\n`);
console.log(report.ok ? "cheaters: every check passed" : "cheaters: FAILED");
writeBenchJson(json, { benchmark: "trust/cheaters", date: new Date().toISOString(), ...report });
process.exitCode = report.ok ? 0 : 1;
