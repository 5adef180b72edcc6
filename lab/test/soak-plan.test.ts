import { createPrng } from "@pylon/inference";
import { describe, expect, it } from "vitest";
import { pick, pickUnits } from "../soak/faults.js";
import { soakDefaults } from "../soak/soak-core.js";

// The soak's plan at a thousand providers, without running one: the kill waves take whole packs holding
// the asked share of providers, and the crowd's defaults (100,000 sub-calls at 1,000) apply above 16.
describe("the soak's kill plan and defaults", () => {
  it("a kill wave takes distinct packs until they hold the share of providers asked", () => {
    // 1,000 providers in packs of 50, the last one short, as the crowd packs 990.
    const packs = Array.from({ length: 20 }, (_, i) => ({
      label: `pack-${i}`,
      providers: i === 19 ? 40 : 50,
    }));
    for (let seed = 1; seed <= 20; seed++) {
      const victims = pickUnits(packs, 297, createPrng(seed));
      const held = victims.reduce((sum, v) => sum + v.providers, 0);
      expect(new Set(victims).size).toBe(victims.length);
      expect(held).toBeGreaterThanOrEqual(297);
      // No more packs than needed: without the last one drawn, short of the share.
      expect(held - victims.at(-1)!.providers).toBeLessThan(297);
    }
    expect(pickUnits(packs.slice(0, 2), 297, createPrng(1))).toHaveLength(2); // all there is
  });

  it("with one provider per unit it draws exactly what the classic soak drew", () => {
    const units = Array.from({ length: 8 }, (_, i) => ({ label: `provider-${i}`, providers: 1 }));
    expect(pickUnits(units, 3, createPrng(7))).toEqual(pick(units, 3, createPrng(7)));
  });

  it("above 16 providers the crowd's defaults apply; flags given still win", () => {
    expect(soakDefaults().subcalls).toBe(10_000);
    expect(soakDefaults({ providers: 8 }).maxRssMb).toBe(0);
    expect(soakDefaults({ providers: 1_000 })).toMatchObject({
      subcalls: 100_000,
      maxRssMb: 500,
      maxSeconds: 1_500,
    });
    expect(soakDefaults({ providers: 200, subcalls: 10_000 })).toMatchObject({
      subcalls: 10_000,
      maxSeconds: 780,
    });
  });
});
