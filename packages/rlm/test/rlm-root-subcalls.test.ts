/**
 * A root on a SubcallBackend (as on the market): the SCRIPTED conversationRoot stand-in, which reads the
 * question from the conversation itself, served through backendSubcalls. Every root turn goes out with
 * purpose "root" and the run's one affinity; priced root turns count against the sats budget.
 */
import type { GenerateRequest } from "@pylon/inference";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { describe, expect, it } from "vitest";
import { conversationRoot, questionOf } from "../src/scripted/index.js";
import { backendSubcalls } from "../src/subcalls/backend-subcalls.js";
import type { SubcallBackend, SubcallRequest } from "../src/subcalls/types.js";
import { generateSniah } from "../src/tasks/sniah.js";
import { scriptedSub, useHarness } from "./rlm-harness.js";

const harness = useHarness();
const task = generateSniah(100_000, 11);
const CHUNK = 40_000;

/** The scripted root behind a SubcallBackend at `satsPerMTok`, keeping every request it was sent. */
function marketRoot(satsPerMTok: number): { root: SubcallBackend; requests: SubcallRequest[] } {
  const backend = createScriptedBackend({ responses: conversationRoot({ chunkChars: CHUNK }), slots: 4 });
  const served = backendSubcalls(backend, {
    price: { inputSatsPerMTok: satsPerMTok, outputSatsPerMTok: satsPerMTok },
  });
  const requests: SubcallRequest[] = [];
  return {
    requests,
    root: {
      ...served,
      name: "market root",
      complete: (batch, signal) => {
        requests.push(...batch);
        return served.complete(batch, signal);
      },
    },
  };
}

const oracle = () => scriptedSub((prompt) => task.oracle(prompt)).sub;

describe("a scripted conversationRoot on a SubcallBackend", () => {
  it("reads the question from the opening message", () => {
    const opening = (content: string): GenerateRequest => ({
      messages: [
        { role: "system", content: "system" },
        { role: "user", content },
      ],
      maxTokens: 1,
    });
    expect(
      questionOf(
        opening(`Context: str\n\nQuestion: ${task.question}\n\nYou have not looked at the context yet. Go.`),
      ),
    ).toBe(task.question);
    expect(questionOf(opening("Question: plain"))).toBe("plain");
    expect(questionOf(opening("no question here"))).toBeUndefined();
  });

  it("answers S-NIAH from the conversation alone; every root turn is purpose root with the run's affinity", async () => {
    const { root, requests } = marketRoot(1_000);
    const result = await harness.runOn(task, { root, sub: oracle() });
    expect(result.answer).toBe(task.gold);
    expect(task.score(result.answer)).toBe(1);
    expect(requests.length).toBe(result.iterations);
    expect(requests.every((r) => r.purpose === "root" && r.depth === 0)).toBe(true);
    expect(new Set(requests.map((r) => r.affinity))).toEqual(new Set([`root:${requests[0]!.runId}`]));
    // Root turns are paid calls: the run's cost is theirs (the sub model is free here).
    expect(result.cost.sats).toBeGreaterThan(0);
  });

  it("counts root turns against the sats budget: a budget below one turn's ceiling stops the run before it", async () => {
    const { root, requests } = marketRoot(1_000);
    const ceiling = root.estimateCostSats!({
      messages: [{ role: "user", content: "x" }],
      maxTokens: 4096,
      depth: 0,
      runId: "r",
    });
    expect(ceiling).toBeGreaterThan(1);
    const result = await harness.runOn(task, { root, sub: oracle(), budget: { sats: 1 } });
    expect(requests).toHaveLength(0);
    expect(result.answer).toBeNull();
    expect(result.stoppedBy).toBe("budget");
    expect(result.cost.sats).toBe(0);
  });

  it("a budget for some root turns but not all: the run stops within it", async () => {
    const { root: unbounded, requests: all } = marketRoot(100_000);
    const full = await harness.runOn(task, { root: unbounded, sub: oracle() });
    // Room for the first turn's ceiling, and then for only some of what the whole run costs.
    const budget = unbounded.estimateCostSats!(all[0]!) + full.cost.sats * 0.3;
    const { root, requests } = marketRoot(100_000);
    const result = await harness.runOn(task, { root, sub: oracle(), budget: { sats: budget } });
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.length).toBeLessThan(full.iterations);
    expect(result.cost.sats).toBeLessThanOrEqual(budget);
    expect(result.answer).toBeNull();
  });
});
