import { describe, expect, it } from "vitest";
import { generateTask } from "../src/tasks/generate.js";
import { generateOolong, scoreLabel } from "../src/tasks/oolong.js";
import { LABELS } from "../src/tasks/oolong-instances.js";
import { generatePairs } from "../src/tasks/oolong-pairs.js";
import {
  f1,
  firstNumber,
  parsePairs,
  scoreExact,
  scoreNeedle,
  scoreNumeric,
  scorePairs,
} from "../src/tasks/scoring.js";
import { generateSniah } from "../src/tasks/sniah.js";

/** Recounts labels from the context text itself, through the oracle (one record per line). */
function labelsFromText(context: string, oracle: (prompt: string) => string) {
  const lines = context.split("\n");
  const labels = oracle(context)
    .split("\n")
    .map((line) => line.replace(/^\d+: /, ""));
  expect(labels).toHaveLength(lines.length);
  return lines.map((line, i) => {
    const m = /^Date: (\w+) \d+, (\d+) \|\| User: (\d+) \|\| Instance: .+$/.exec(line);
    expect(m, line).not.toBeNull();
    return { month: m![1]!, year: m![2]!, user: Number(m![3]), label: labels[i]! };
  });
}

describe("S-NIAH", () => {
  it("hides exactly one needle whose number is the gold answer, at the stated size", () => {
    const task = generateSniah(8192, 11);
    expect(task.context.length).toBeGreaterThanOrEqual(8192 * 4);
    expect(task.context.length).toBeLessThan(8192 * 4 + 200);
    const needles = [...task.context.matchAll(/One of the special magic numbers for ([a-z-]+) is: (\d+)\./g)];
    expect(needles).toHaveLength(1);
    expect(needles[0]![1]).toBe(task.key);
    expect(needles[0]![2]).toBe(task.gold);
    expect(task.question).toContain(task.key);
    expect(task.context.replace(needles[0]![0], "")).not.toMatch(/\d/);
    const at = task.context.indexOf(needles[0]![0]) / task.context.length;
    expect(Math.abs(at - task.depth)).toBeLessThan(0.01);
  });

  it("is the same for the same seed, different for another, and spreads needles over the text", () => {
    expect(generateSniah(4096, 3).context).toBe(generateSniah(4096, 3).context);
    expect(generateSniah(4096, 3).context).not.toBe(generateSniah(4096, 4).context);
    const depths = Array.from({ length: 20 }, (_, seed) => generateSniah(1024, seed).depth);
    expect(Math.min(...depths)).toBeLessThan(0.25);
    expect(Math.max(...depths)).toBeGreaterThan(0.75);
  });

  it("has a scripted oracle that answers only from a prompt holding the needle", () => {
    const task = generateSniah(2048, 5);
    expect(task.oracle(task.context)).toBe(task.gold);
    expect(task.oracle("The quiet river crossed the bridge.")).toBe("NONE");
  });

  it("generates 10M tokens in seconds", () => {
    const started = performance.now();
    const task = generateTask("sniah", 10_000_000, 1);
    expect((task.context as string).length).toBeGreaterThanOrEqual(40_000_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("OOLONG", () => {
  it("writes one record per line with a hidden label, and its gold answers agree with the text", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const task = generateOolong(8192, seed);
      const records = labelsFromText(task.context, task.oracle);
      expect(new Set(records.map((r) => r.label))).toEqual(new Set(LABELS));
      const count = (keep: (r: (typeof records)[number]) => boolean) => records.filter(keep).length;
      const spec = task.spec;
      if (spec.type === "count") {
        const gold = count(
          (r) =>
            r.label === spec.label &&
            (!spec.month || (r.month === spec.month.name && r.year === String(spec.month.year))),
        );
        expect(task.gold).toBe(String(gold));
        expect(task.score(`${gold}`)).toBe(1);
        expect(task.score(`${gold + 2}`)).toBeCloseTo(0.5625);
      } else if (spec.type === "most-frequent" || spec.type === "least-frequent") {
        const totals = LABELS.map((label) => count((r) => r.label === label));
        const target = spec.type === "most-frequent" ? Math.max(...totals) : Math.min(...totals);
        expect(task.gold.split(" | ")).toEqual(LABELS.filter((_, i) => totals[i] === target));
      } else if (spec.type === "compare") {
        const [a, b] = [count((r) => r.label === spec.a), count((r) => r.label === spec.b)];
        expect(task.gold).toBe(a > b ? "more common than" : a < b ? "less common than" : "same frequency as");
      } else {
        const mine = records.filter((r) => r.user === spec.user);
        const totals = LABELS.map((label) => mine.filter((r) => r.label === label).length);
        expect(task.gold.split(" | ")).toEqual(LABELS.filter((_, i) => totals[i] === Math.max(...totals)));
      }
      expect(task.score(task.gold.split(" | ")[0]!)).toBe(1);
    }
  });

  it("asks every kind of question across seeds", () => {
    const kinds = new Set(Array.from({ length: 40 }, (_, seed) => generateOolong(2048, seed).spec.type));
    expect(kinds).toEqual(
      new Set(["count", "most-frequent", "least-frequent", "compare", "user-most-frequent"]),
    );
  });
});

describe("OOLONG-Pairs", () => {
  it("lists exactly the pairs of users meeting the condition, recomputed from the text", () => {
    const types = new Set<string>();
    for (let seed = 1; seed <= 10; seed++) {
      const task = generatePairs(16_384, seed);
      types.add(task.spec.type);
      const records = labelsFromText(task.context, task.oracle);
      const countOf = (user: number, label: string) =>
        records.filter((r) => r.user === user && r.label === label).length;
      const meets = (user: number, c: { label: string; op: string; k: number }) =>
        c.op === "at least" ? countOf(user, c.label) >= c.k : countOf(user, c.label) === c.k;
      const users = [...new Set(records.map((r) => r.user))];
      const expected = new Set<string>();
      for (const u of users) {
        for (const v of users) {
          if (u >= v) continue;
          const spec = task.spec;
          const ok =
            spec.type === "symmetric"
              ? meets(u, spec.condition) && meets(v, spec.condition)
              : (meets(u, spec.a) && meets(v, spec.b)) || (meets(v, spec.a) && meets(u, spec.b));
          if (ok) expected.add(`${u},${v}`);
        }
      }
      expect(task.goldPairs).toEqual(expected);
      expect(expected.size).toBeGreaterThan(0);
      expect(task.score(task.gold)).toBe(1);
    }
    expect(types).toEqual(new Set(["symmetric", "asymmetric"]));
  });
});

describe("scoring", () => {
  it("scores numbers by 0.75^|error| and reads the first number", () => {
    expect(scoreNumeric("There are 1,204 of them", 1204)).toBe(1);
    expect(scoreNumeric("1203", 1204)).toBe(0.75);
    expect(scoreNumeric("no idea", 3)).toBe(0);
    expect(scoreNumeric(null, 3)).toBe(0);
    expect(firstNumber("about -2.5 units")).toBe(-2.5);
  });

  it("scores exact answers after normalising case and punctuation", () => {
    expect(scoreExact("More common than.", ["more common than"])).toBe(1);
    expect(scoreExact("more common", ["more common than"])).toBe(0);
  });

  it("scores labels when exactly one label is named", () => {
    expect(scoreLabel("Location", ["location"])).toBe(1);
    expect(scoreLabel("The answer is: human being.", ["human being"])).toBe(1);
    expect(scoreLabel("location or entity", ["location"])).toBe(0);
    expect(scoreLabel("entity", ["location"])).toBe(0);
  });

  it("scores needles as whole numbers", () => {
    expect(scoreNeedle("The number is 7203417.", "7203417")).toBe(1);
    expect(scoreNeedle("17203417", "7203417")).toBe(0);
  });

  it("parses pairs in common spellings and scores F1", () => {
    expect(parsePairs("(3, 1)\n(2,5)\n7-9\n4 and 8")).toEqual(new Set(["1,3", "2,5", "7,9", "4,8"]));
    const gold = new Set(["1,2", "3,4"]);
    expect(scorePairs("(1, 2)", gold)).toBeCloseTo(2 / 3);
    expect(scorePairs("(1, 2)\n(4, 3)", gold)).toBe(1);
    expect(scorePairs("NONE", gold)).toBe(0);
    expect(f1(new Set(), new Set())).toBe(1);
  });
});
