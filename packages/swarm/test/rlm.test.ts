/**
 * An RLM run whose sub-calls go through the swarm: a SCRIPTED root (rlm's mapReduceRoot) over a generated
 * S-NIAH context, in the real Pyodide REPL, with every llm_batch slot answered by real provider nodes whose
 * SCRIPTED backend answers like rlm's keywordSub.
 */
import path from "node:path";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { runRlm } from "@pylon/rlm";
import { keywordSub, mapReduceRoot } from "@pylon/rlm/scripted";
import { generateSniah } from "@pylon/rlm/tasks";
import { Cleanup, tempDir } from "@pylon/testkit";
import { startLocalMarket } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSwarm } from "./harness.js";

const cleanup = new Cleanup();
let relayUrl: string;
let dir: string;

beforeAll(async () => {
  const market = await startLocalMarket(cleanup, {
    providers: 4,
    node: { responses: keywordSub, latencyMs: 20 },
  });
  relayUrl = market.relay.url;
  dir = await tempDir(cleanup);
});

afterAll(() => cleanup.run());

describe("runRlm with the swarm as its SubcallBackend (scripted root, scripted providers)", () => {
  it("finds the needle in a 100k-token S-NIAH context with sub-calls spread over 4 providers", async () => {
    const task = generateSniah(100_000, 11);
    const chunkChars = 8_000;
    const swarm = await startSwarm(cleanup, { relays: [relayUrl], store: path.join(dir, "rlm.db") }, 4);
    const root = createScriptedBackend({
      responses: mapReduceRoot({ question: task.question, chunkChars }),
      model: "scripted-root",
    });
    cleanup.add(() => root.close());

    const result = await runRlm({
      question: task.question,
      context: task.context,
      root,
      sub: swarm,
      concurrency: 16,
      logFile: path.join(dir, "rlm.jsonl"),
    });

    // keywordSub answers with the needle's sentence; RULER's rule scores the number in it.
    expect(result.answer).toContain(task.gold);
    expect(result.stoppedBy).toBe("final");
    expect(task.score(result.answer ?? "")).toBe(1);
    const parts = Math.ceil(task.context.length / chunkChars);
    expect(result.subcalls).toBe(parts);
    const rows = swarm.store.subcalls(swarm.runId);
    expect(rows).toHaveLength(parts);
    expect(rows.every((row) => row.status === "answered")).toBe(true);
    expect(new Set(rows.map((row) => row.provider)).size).toBe(4);
    expect(rows.filter((row) => row.result?.includes(task.gold))).toHaveLength(1);
  });
});
