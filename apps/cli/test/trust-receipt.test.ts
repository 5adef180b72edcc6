/** The receipt's trust section from a swarm TrustReport: JSON (sats, ISO times) and the short text block. */
import type { RlmResult } from "@pylon/rlm";
import type { TrustReport } from "@pylon/swarm";
import * as nip19 from "nostr-tools/nip19";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import type { SubcallMeter } from "../src/run/metered-subcalls.js";
import { buildReceipt, formatReceipt } from "../src/run/receipt.js";
import { receiptTrust, trustLines } from "../src/trust/receipt-trust.js";

const cheater = getPublicKey(generateSecretKey());

const report: TrustReport = {
  checks: 40,
  passes: 36,
  strikes: 3,
  inconclusive: 1,
  checkJobs: 44,
  checkCostMsats: 12_345,
  checkWaitMs: 812.6,
  caught: [
    {
      pubkey: cheater,
      name: "junk node",
      jobsBeforeCaught: 7,
      strikes: 3,
      checks: 4,
      paidMsats: 7_000,
      paidForBadMsats: 3_000,
      evidence: ["j1", "j2", "j3"],
      at: Date.UTC(2026, 0, 2, 3, 4, 5),
    },
  ],
  deliveredFromCaught: 2,
  reasked: 5,
};

const quiet: TrustReport = {
  ...report,
  checks: 0,
  passes: 0,
  strikes: 0,
  inconclusive: 0,
  checkJobs: 0,
  checkCostMsats: 0,
  caught: [],
  reasked: 0,
  deliveredFromCaught: 0,
};

describe("receipt trust section", () => {
  it("converts msats to sats and names each caught provider with its cost", () => {
    expect(receiptTrust(report)).toEqual({
      checks: { run: 40, passed: 36, struck: 3, inconclusive: 1 },
      checkJobs: 44,
      checkCostSats: 12.345,
      checkWaitMs: 813,
      caught: [
        {
          provider: cheater,
          name: "junk node",
          jobsBeforeCaught: 7,
          strikes: 3,
          checks: 4,
          paidSats: 7,
          paidForBadSats: 3,
          evidence: ["j1", "j2", "j3"],
          at: "2026-01-02T03:04:05.000Z",
        },
      ],
      deliveredFromCaught: 2,
      reasked: 5,
    });
  });

  it("prints a short block only when checks ran or someone was caught", () => {
    const lines = trustLines(receiptTrust(report)).map(([label, text]) => `${label} ${text}`);
    expect(lines[0]).toBe(
      "checks 40 spot check(s), 1 inconclusive; answers: 36 agreed, 3 struck; 44 check job(s), 12.345 sats",
    );
    expect(lines[1]).toContain(nip19.npubEncode(cheater).slice(0, 17));
    expect(lines[1]).toContain("junk node after 7 job(s)");
    expect(lines[1]).toContain("paid 7 sats, 3 for bad answers");
    expect(lines[2]).toBe("answers 5 from caught providers re-asked elsewhere, 2 reached the RLM first");
    expect(trustLines(receiptTrust(quiet))).toEqual([]);
    expect(trustLines(undefined)).toEqual([]);
    // Checks but nobody caught: the checks line alone.
    expect(trustLines(receiptTrust({ ...report, caught: [] }))).toHaveLength(1);
  });

  it("is part of the run's receipt: JSON `trust`, and the text block between money and time", () => {
    const result = {
      answer: "42",
      stoppedBy: "answer",
      runId: "rlm-1",
      iterations: 2,
      treeIterations: 2,
      subcalls: 10,
      usage: { inputTokens: 1, outputTokens: 1 },
      cost: { sats: 0 },
      durationMs: 1000,
      logPath: null,
    } as unknown as RlmResult;
    const meter: SubcallMeter = {
      dispatched: 10,
      done: 10,
      failed: 0,
      reservedSats: 0,
      spentSats: 1,
      paid: 10,
      tokens: { input: 10, output: 10 },
      providers: new Map([[cheater, 4]]),
      switches: 0,
      failures: new Map(),
    };
    const input = { result, run: "run-1", models: { root: "scripted", sub: "swarm" }, meter, wallMs: 2000 };
    const withTrust = buildReceipt({ ...input, trust: report });
    expect(withTrust.trust).toEqual(receiptTrust(report));
    const text = formatReceipt(withTrust).split("\n");
    const at = (label: string) => text.findIndex((line) => line.startsWith(`${label} `));
    expect(at("checks")).toBeGreaterThan(at("sats"));
    expect(at("caught")).toBeGreaterThan(at("checks"));
    expect(at("time")).toBeGreaterThan(at("answers"));
    const without = buildReceipt(input);
    expect(without.trust).toBeUndefined();
    expect(formatReceipt(without)).not.toMatch(/^checks /m);
  });
});
