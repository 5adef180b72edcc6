/** The per-peer refusal budget: a burst, a refill rate, a bounded memory of peers, and the summary line. */
import { describe, expect, it } from "vitest";
import type { Logger } from "../src/log.js";
import { RefusalLimiter } from "../src/refusal-limiter.js";

function limiter(limits: ConstructorParameters<typeof RefusalLimiter>[1]) {
  const lines: string[] = [];
  const log: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
  const created = new RefusalLimiter(log, { summaryEveryMs: 3_600_000, ...limits });
  return { limiter: created, lines };
}

const buyer = (n: number): string => n.toString(16).padStart(64, "0");

describe("RefusalLimiter", () => {
  it("allows a burst, then refills at its rate", () => {
    const { limiter: l } = limiter({ burst: 3, perMinute: 6 });
    const t = 1_000_000;
    expect([1, 2, 3, 4].map(() => l.allow("a", t))).toEqual([true, true, true, false]);
    expect(l.allow("a", t + 9_000)).toBe(false); // 0.9 of a refusal earned back
    expect(l.allow("a", t + 10_000)).toBe(true); // one every 10 s
    expect(l.allow("b", t)).toBe(true); // another peer has its own budget
    l.close();
  });

  it("summarises what it suppressed, biggest first, and forgets the least recently used peer", () => {
    const { limiter: l, lines } = limiter({ burst: 1, perMinute: 1, maxKeys: 2 });
    const t = 1_000_000;
    for (let i = 0; i < 4; i++) l.allow(buyer(1), t);
    for (let i = 0; i < 2; i++) l.allow(buyer(2), t);
    l.summarise();
    expect(lines).toEqual([
      `suppressed 4 refusals (over the per-peer limit): 3 to buyer ${buyer(1).slice(0, 12)}, 1 to buyer ${buyer(2).slice(0, 12)}`,
    ]);
    l.summarise();
    expect(lines).toHaveLength(1); // nothing new
    l.allow(buyer(1), t); // suppressed again; buyer 2 is now the least recently used
    l.allow(buyer(3), t); // a third peer: buyer 2 is forgotten (it had nothing suppressed since)
    // Buyer 2 again: a fresh budget; making room forgets buyer 1, whose suppressed count is logged then.
    expect(l.allow(buyer(2), t)).toBe(true);
    expect(lines.at(-1)).toBe(`suppressed 1 refusals to buyer ${buyer(1).slice(0, 12)}`);
    l.close(); // nothing left to summarise
    expect(lines).toHaveLength(2);
  });
});
