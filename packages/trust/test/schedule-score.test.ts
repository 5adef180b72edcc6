import { describe, expect, it } from "vitest";
import type { ProviderRecord } from "../src/book.js";
import { checkProbability, DEFAULT_SCHEDULE, onProbation } from "../src/schedule.js";
import { trustScore } from "../src/score.js";

const clean = (jobs: number, passes = 0) => ({ jobs, passes, strikes: 0 });

describe("checkProbability", () => {
  it("checks a stranger's every answer, falling with its record to the base rate", () => {
    expect(checkProbability(clean(0))).toBe(1);
    expect(checkProbability(clean(8))).toBe(1); // 3/√9 = 1
    expect(checkProbability(clean(100, 30))).toBeCloseTo(0.2985, 4);
    expect(checkProbability(clean(1_000, 95))).toBeCloseTo(0.0948, 4);
    expect(checkProbability(clean(10_000, 300))).toBe(DEFAULT_SCHEDULE.baseRate);
    expect(checkProbability(clean(1_000_000, 30_000))).toBe(0.03);
  });

  it("never rises as the record grows (no strikes)", () => {
    let last = 1;
    for (let jobs = 0; jobs <= 20_000; jobs += 37) {
      const rate = checkProbability(clean(jobs, Math.floor(jobs * 0.03)));
      expect(rate).toBeLessThanOrEqual(last);
      last = rate;
    }
  });

  it("checks a suspect (one strike not yet outweighed) on every job", () => {
    expect(checkProbability({ jobs: 10_000, passes: 300, strikes: 1 })).toBeLessThan(1); // outweighed
    expect(checkProbability({ jobs: 10_000, passes: 20, strikes: 1 })).toBe(1);
  });

  it("checks a provider reported by trusted buyers on every job, however long its record", () => {
    expect(checkProbability({ jobs: 10_000, passes: 300, strikes: 0, reports: 1 })).toBe(1);
    expect(checkProbability({ jobs: 10_000, passes: 300, strikes: 0, reports: 0 })).toBe(0.03);
  });

  it("follows a custom schedule", () => {
    expect(checkProbability(clean(99), { youngFactor: 1, baseRate: 0.01 })).toBeCloseTo(0.1, 6);
    expect(checkProbability(clean(1e6), { baseRate: 0.5 })).toBe(0.5);
  });
});

describe("onProbation", () => {
  it("holds a provider until it passed 3 checks, and a suspect whatever it passed", () => {
    expect(onProbation(clean(50, 0))).toBe(true);
    expect(onProbation(clean(50, 2))).toBe(true);
    expect(onProbation(clean(50, 3))).toBe(false);
    expect(onProbation({ jobs: 50, passes: 10, strikes: 1 })).toBe(true);
    expect(onProbation(clean(50, 3), { probationPasses: 5 })).toBe(true);
  });
});

function record(fields: Partial<ProviderRecord>): ProviderRecord {
  return {
    pubkey: "a".repeat(64),
    jobs: 0,
    answered: 0,
    timeouts: 0,
    refusals: 0,
    checksPassed: 0,
    checksFailed: 0,
    paidMsats: 0,
    refundedMsats: 0,
    paidForBadMsats: 0,
    reports: 0,
    firstSeen: 0,
    lastSeen: 0,
    blocked: undefined,
    ...fields,
  };
}

describe("trustScore", () => {
  it("a stranger (no record, or a record without checks) scores 0.5", () => {
    expect(trustScore(undefined)).toBe(0.5);
    expect(trustScore(record({ jobs: 3 }))).toBe(0.5);
  });

  it("a blocked provider scores 0, whatever its record", () => {
    const blocked = { reason: "caught", at: 1, by: "caught" as const, evidence: [] };
    expect(trustScore(record({ checksPassed: 1_000, blocked }))).toBe(0);
  });

  it("passes raise it towards 1; strikes lower it hard", () => {
    expect(trustScore(record({ checksPassed: 98 }))).toBeCloseTo(0.99, 6);
    expect(trustScore(record({ checksPassed: 10 }))).toBeGreaterThan(trustScore(record({ checksPassed: 2 })));
    const struck = trustScore(record({ checksPassed: 98, checksFailed: 1 }));
    expect(struck).toBeCloseTo(99 / 120, 6);
    expect(trustScore(record({ checksPassed: 98, checksFailed: 2 }))).toBeLessThan(struck);
    expect(trustScore(record({ checksFailed: 1 }))).toBeCloseTo(1 / 22, 6);
  });

  it("each trusted buyer's report halves it; a report never makes it 0", () => {
    const base = trustScore(record({ checksPassed: 98 }));
    expect(trustScore(record({ checksPassed: 98, reports: 1 }))).toBeCloseTo(base / 2, 9);
    expect(trustScore(record({ checksPassed: 98, reports: 2 }))).toBeCloseTo(base / 4, 9);
    expect(trustScore(record({ checksPassed: 98, reports: 100 }))).toBeGreaterThan(0);
  });
});
