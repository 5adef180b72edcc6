import { beforeAll, describe, expect, it } from "vitest";
import type { CheatersReport } from "../trust/cheaters-core.js";
import { runCheaters } from "../trust/cheaters-core.js";
import { formatCheaters } from "../trust/report.js";

// The fast subset of `npm run cheaters`: a real relay, mint and provider processes (4 honest nodes and
// the 4 cheaters on real llama.cpp, the generated GGUF, greedy), 300 paid sub-calls with spot checks on
// (100 with them off first), the cheaters' process SIGKILLed and restarted, the books settled to the sat.
// About 60 s, 100 s on 2 cores busy with other work.
// The 10% cheater is left to the lab run (`npm run cheaters`): it needs on the order of 100 of its jobs
// before the evidence is conclusive (90–110 in trial runs), about all it gets of 300 sub-calls shared by
// 8 nodes, so its catch here is luck, not a property to assert.
const SUBCALLS = 300;
/** The checks-off run only has to show cheaters paid for bad answers. */
const SUBCALLS_OFF = 100;

describe("cheaters in a paid llama market (fast subset)", () => {
  let report: CheatersReport;
  const lines: string[] = [];
  beforeAll(async () => {
    report = await runCheaters({
      subcalls: SUBCALLS,
      subcallsOff: SUBCALLS_OFF,
      seeds: 1,
      checks: "both",
      honest: 4,
      restartSubcalls: 60,
      maxSeconds: 60,
      log: (line) => lines.push(line),
    });
    console.log(formatCheaters(report));
    if (!report.ok) console.error(lines.join("\n")); // the run's log, child processes' errors included
  }, 110_000);

  const named = (prefix: string) => report.checks.filter((c) => c.name.startsWith(prefix));

  it("with checks off, every cheater is paid for its bad answers and they reach the RLM; the books balance to the sat", () => {
    const off = report.runs.find((r) => !r.checks)!;
    expect(off.answered).toBe(SUBCALLS_OFF);
    for (const cheat of ["junk", "truncate", "other-model"]) {
      const node = off.nodes.find((n) => n.cheat === cheat)!;
      expect(node.cheated, cheat).toBeGreaterThan(0);
      expect(node.chargedMsats, cheat).toBeGreaterThan(0);
      expect(node.badDelivered, cheat).toBeGreaterThan(0);
    }
    const money = report.checks.filter((c) =>
      /tabs balance|accounting invariant|every tab closed/.test(c.name),
    );
    expect(money.filter((c) => !c.ok)).toEqual([]);
    expect(money.length).toBeGreaterThanOrEqual(3);
  });

  it("with checks on: junk, truncate and other-model caught, no honest provider flagged, none paid after its catch, still blocked after a restart", () => {
    const on = report.runs.find((r) => r.checksApplied && r.label.startsWith("on-"))!;
    expect(named(`${on.label}: no honest provider flagged`).every((c) => c.ok)).toBe(true);
    for (const cheat of ["junk", "truncate", "other-model"]) {
      const node = on.nodes.find((n) => n.cheat === cheat)!;
      expect(node.caught, `${cheat} caught`).toBeDefined();
      expect(node.caught!.jobsSentAfterCatch, `${cheat}: jobs sent after its catch`).toBe(0);
    }
    expect(report.afterRestart?.blockedInBook).toBe(true);
    expect(report.afterRestart?.jobsGiven).toBe(0);
    // Detection latency (junk within 20 of its jobs, junk10 within 300) is the lab run's to measure.
    const asserted = report.checks.filter((c) => !c.name.includes("junk10") && !c.name.includes(" within "));
    expect(asserted.filter((c) => !c.ok)).toEqual([]);
  });
});
