/**
 * The catch rule's numbers, by simulation with a seeded PRNG (the same on every run): how fast cheaters are
 * caught and that honest providers striking at the honest rate never are.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_EVIDENCE, evidenceScore, isCaught, isSuspect } from "../src/evidence.js";
import { checkProbability } from "../src/schedule.js";
import { percentile, seeded } from "./prng.js";

/** Checks until a provider whose checked answers strike at `strikeRate` is caught (cap: never). */
function checksToCatch(strikeRate: number, random: () => number, cap = 10_000): number {
  const tally = { passes: 0, strikes: 0 };
  for (let checks = 1; checks <= cap; checks++) {
    if (random() < strikeRate) tally.strikes++;
    else tally.passes++;
    if (isCaught(tally)) return checks;
  }
  return Number.POSITIVE_INFINITY;
}

describe("evidence (SPRT)", () => {
  it("an always-cheater is caught at its 5th strike with no passes, not before", () => {
    for (let strikes = 0; strikes < 5; strikes++) expect(isCaught({ passes: 0, strikes })).toBe(false);
    expect(isCaught({ passes: 0, strikes: 5 })).toBe(true);
    // ln(p1/p0) per strike against ln(1/α): 5 = ceil(ln(1e6) / ln(25)).
    const { honestStrikeRate: p0, cheaterStrikeRate: p1, falseCatch } = DEFAULT_EVIDENCE;
    expect(Math.ceil(Math.log(1 / falseCatch) / Math.log(p1 / p0))).toBe(5);
  });

  it("passes weigh against strikes: 5 strikes among many passes are not a catch", () => {
    expect(evidenceScore({ passes: 10, strikes: 0 })).toBeLessThan(0);
    expect(isCaught({ passes: 100, strikes: 5 })).toBe(false);
    expect(isCaught({ passes: 100, strikes: 7 })).toBe(true);
  });

  it("one strike makes a suspect; enough passes afterwards clear the suspicion", () => {
    expect(isSuspect({ passes: 0, strikes: 0 })).toBe(false);
    expect(isSuspect({ passes: 0, strikes: 1 })).toBe(true);
    expect(isSuspect({ passes: 50, strikes: 1 })).toBe(true);
    expect(isSuspect({ passes: 70, strikes: 1 })).toBe(false);
  });

  it("honest providers striking at 0.2% are never caught: 100 providers × 100,000 checks each", () => {
    const { honestStrikeRate: p0, cheaterStrikeRate: p1 } = DEFAULT_EVIDENCE;
    const strikeStep = Math.log(p1 / p0);
    const passStep = Math.log((1 - p1) / (1 - p0));
    let caught = 0;
    let strikes = 0;
    let highest = Number.NEGATIVE_INFINITY;
    for (let provider = 0; provider < 100; provider++) {
      const random = seeded(7_000 + provider);
      const tally = { passes: 0, strikes: 0 };
      let score = 0; // evidenceScore(tally), kept incrementally: 1e7 checks
      for (let check = 0; check < 100_000; check++) {
        if (random() < p0) {
          tally.strikes++;
          score += strikeStep;
          // Only a strike raises the score, so only a strike can make a catch.
          if (isCaught(tally)) {
            caught++;
            break;
          }
        } else {
          tally.passes++;
          score += passStep;
        }
        highest = Math.max(highest, score);
      }
      strikes += tally.strikes;
      expect(score).toBeCloseTo(evidenceScore(tally), 6);
    }
    expect(strikes / 1e7).toBeCloseTo(p0, 3); // the simulation struck at the honest rate
    expect(caught).toBe(0);
    expect(highest).toBeLessThan(Math.log(1 / DEFAULT_EVIDENCE.falseCatch));
  });

  it("a provider cheating on 10% of checked jobs is caught within 130 checks in ≥ 99% of 1,000 trials", () => {
    const checks = Array.from({ length: 1000 }, (_, trial) => checksToCatch(0.1, seeded(11_000 + trial)));
    const within = checks.filter((n) => n <= 130).length / checks.length;
    expect(within).toBeGreaterThanOrEqual(0.99);
    // About 50 checks in the middle case, as the rule's comment says.
    expect(percentile(checks, 0.5)).toBeGreaterThan(35);
    expect(percentile(checks, 0.5)).toBeLessThan(65);
  });

  it("with the check schedule: an always-cheater is caught at its 5th job, a 10% cheater within 200 jobs in ≥ 99% of trials", () => {
    /** Jobs until caught when each job is junk with `junkRate` and checked at the schedule's probability. */
    const jobsToCatch = (junkRate: number, random: () => number): number => {
      const history = { jobs: 0, passes: 0, strikes: 0 };
      while (!isCaught(history) && history.jobs < 10_000) {
        const checked = random() < checkProbability(history);
        const junk = random() < junkRate;
        history.jobs++;
        if (checked && junk) history.strikes++;
        else if (checked) history.passes++;
      }
      return history.jobs;
    };
    for (let trial = 0; trial < 20; trial++) expect(jobsToCatch(1, seeded(13_000 + trial))).toBe(5);
    const jobs = Array.from({ length: 1000 }, (_, trial) => jobsToCatch(0.1, seeded(17_000 + trial)));
    expect(jobs.filter((n) => n <= 200).length / jobs.length).toBeGreaterThanOrEqual(0.99);
  });
});
