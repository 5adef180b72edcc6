import { describe, expect, it } from "vitest";
import { formatSoak } from "../soak/checks.js";
import { runSoak } from "../soak/soak-core.js";

// The fast subset of `npm run soak`: the same code, a few hundred sub-calls, real SIGKILLs of provider
// processes and a relay restart mid-run, and every check of the full soak (answers, run store, no double
// payment, the sats to the sat, bounded memory).
describe("soak with faults (fast subset)", () => {
  it("500 sub-calls over 4 paid provider processes, 2 of them SIGKILLed and restarted, the relay restarted", async () => {
    const lines: string[] = [];
    const report = await runSoak({
      subcalls: 500,
      providers: 4,
      killWaves: 1,
      killFraction: 0.5,
      relayRestarts: 1,
      downtimeMs: [300, 1_000],
      relayDowntimeMs: 500,
      batch: 25,
      concurrentBatches: 4,
      maxSeconds: 90,
      deadlineMs: 30_000,
      maxRssGrowthMb: 200,
      minAnsweredRatio: 0.95,
      log: (line) => lines.push(line),
    });
    const table = formatSoak(report);
    if (report.ok) console.log(table);
    else console.error(`${lines.join("\n")}\n${table}`);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.summary.providerKills).toBe(2);
    expect(report.summary.relayRestarts).toBe(1);
    expect(report.summary.answered + report.summary.failed).toBe(500);
  }, 150_000);
});
