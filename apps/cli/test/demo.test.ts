import { afterEach, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";

const harness = new CliHarness();
afterEach(() => harness.cleanup());

describe("pylon demo", () => {
  it("runs the offline market end to end (relay, tiny GGUF, providers, plain and NIP-44 jobs) and exits 0", async () => {
    const cli = harness.start(["demo", "--providers", "2", "--jobs", "6", "--max-tokens", "16", "--json"]);
    const exit = await cli.exited;
    expect(exit, cli.stderr()).toEqual({ code: 0, signal: null });

    const report = JSON.parse(cli.stdout());
    expect(report.discovered).toBe(2);
    expect(report.answered).toBe(6);
    expect(report.jobs.filter((j: { encrypted: boolean }) => j.encrypted)).toHaveLength(3);
    // Both nodes did real work, and together they served every job exactly once.
    expect(report.providers.map((p: { jobsServed: number }) => p.jobsServed)).toEqual([3, 3]);
    for (const p of report.providers) expect(p.tokensGenerated).toBeGreaterThan(0);
    expect(report.relayMetrics.events.stored).toBeGreaterThanOrEqual(6 * 2);
  }, 90_000);
});
