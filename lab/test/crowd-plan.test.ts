/**
 * The crowd's pure parts: who sits where (packs, relays, tiers) and the seeded latency draws (reproducible,
 * the distribution asked for, stragglers at their share).
 */
import type { GenerateRequest } from "@pylon/inference";
import { describe, expect, it } from "vitest";
import { planCrowd } from "../market/crowd-plan.js";
import { latencyFor, providerSeed } from "../market/latency.js";

const draws = (latency: ReturnType<typeof latencyFor>, n: number): number[] =>
  Array.from({ length: n }, (_, i) =>
    typeof latency === "number" ? latency : latency({ prompt: "q" } as GenerateRequest, i),
  );
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("the crowd's plan", () => {
  it("packs in blocks, spreads round-robin over relays, puts the share on two, interleaves tiers", () => {
    const tiers = [
      { share: 0.5, priceFactor: 1 },
      { share: 0.5, priceFactor: 2 },
    ];
    const plan = planCrowd({ providers: 1_000, perPack: 50, relays: 3, twoRelayShare: 0.2, tiers });
    expect(new Set(plan.map((p) => p.pack)).size).toBe(20);
    expect(plan.filter((p) => p.pack === 0).map((p) => p.index)).toEqual([...Array(50).keys()]);
    expect(plan.filter((p) => p.relays.length === 2)).toHaveLength(200);
    for (const relay of [0, 1, 2]) {
      const on = plan.filter((p) => p.relays.includes(relay)).length;
      expect(on).toBeGreaterThan(380);
      expect(on).toBeLessThan(420);
    }
    for (const p of plan) expect(new Set(p.relays).size).toBe(p.relays.length);
    const cheap = plan.filter((p) => p.tier === 0).length;
    expect(Math.abs(cheap - 500)).toBeLessThan(10);
    // Each pack holds both tiers.
    for (let pack = 0; pack < 20; pack++)
      expect(new Set(plan.filter((p) => p.pack === pack).map((p) => p.tier)).size).toBe(2);
    expect(() => planCrowd({ providers: 0, perPack: 50, relays: 3, twoRelayShare: 0, tiers })).toThrow(
      /providers must be a positive integer/,
    );
  });

  it("draws latency per job from a seeded stream: the same seed, the same delays", () => {
    expect(latencyFor({ kind: "instant" }, undefined, 1)).toBe(0);
    expect(latencyFor({ kind: "fixed", ms: 7 }, undefined, 1)).toBe(7);
    const spec = { kind: "lognormal", medianMs: 200, sigma: 0.5 } as const;
    const a = draws(latencyFor(spec, undefined, providerSeed(1, 3)), 4_000);
    expect(draws(latencyFor(spec, undefined, providerSeed(1, 3)), 4_000)).toEqual(a);
    expect(draws(latencyFor(spec, undefined, providerSeed(1, 4)), 4_000)).not.toEqual(a);
    expect(median(a)).toBeGreaterThan(185);
    expect(median(a)).toBeLessThan(215);
    const slow = draws(latencyFor({ kind: "fixed", ms: 10 }, { share: 0.05, factor: 10 }, 9), 10_000);
    expect(new Set(slow)).toEqual(new Set([10, 100]));
    const share = slow.filter((ms) => ms === 100).length / slow.length;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.06);
  });
});
