import { sleep } from "@pylon/testkit";
import { beforeEach, describe, expect, it } from "vitest";
import type { BridgeRequest } from "../src/sandbox/types.js";
import { useSandbox } from "./sandbox-harness.js";

/** The host side of the bridge for these tests: answers "<kind>:<prompt>" and records every batch it gets. */
const received: BridgeRequest[] = [];
async function onSubcall(request: BridgeRequest): Promise<string[]> {
  received.push(request);
  if (request.prompts.includes("reject the batch")) throw new Error("backend unavailable");
  if (request.prompts.includes("return junk")) return [42, null] as unknown as string[];
  if (request.prompts.includes("slow")) await sleep(1500);
  return request.prompts.map((p) =>
    p.startsWith("fail") ? `Error: could not answer ${p}` : `${request.kind}:${p}`,
  );
}

const sandbox = useSandbox({ cellTimeoutMs: 1000, onSubcall, maxBatchSize: 50 });
const { output } = sandbox;

beforeEach(() => {
  received.length = 0;
});

describe("llm_query and llm_batch", () => {
  it("work as plain calls and with await", async () => {
    expect(await output("print(llm_query('hi'))")).toBe("llm:hi\n");
    expect(await output("r = await llm_query('there')\nprint(r, type(r) is str)")).toBe("llm:there True\n");
    expect(await output("print(llm_batch(['a', 'b']))")).toBe("['llm:a', 'llm:b']\n");
    expect(await output("b = await llm_batch(['c'])\nprint(b, type(b) is list)")).toBe("['llm:c'] True\n");
    expect(await output("print(isinstance(llm_query('x'), str), llm_query('x').upper())")).toBe(
      "True LLM:X\n",
    );
  });

  it("sends a whole batch in one host round trip and keeps the order", async () => {
    const prompts = Array.from({ length: 30 }, (_, i) => `p${i}`);
    const out = await output(
      `res = llm_batch(${JSON.stringify(prompts)})\nprint(res == ['llm:' + p for p in ${JSON.stringify(prompts)}])`,
    );
    expect(out).toBe("True\n");
    expect(received).toHaveLength(1);
    expect(received[0]?.prompts).toEqual(prompts);
  });

  it("forwards keyword arguments as options", async () => {
    await output("llm_query('q', model='small', max_tokens=5, stop=['\\n'])");
    expect(received[0]).toEqual({
      kind: "llm",
      prompts: ["q"],
      opts: { model: "small", max_tokens: 5, stop: ["\n"] },
    });
  });

  it("uses kind 'rlm' for rlm_query and rlm_batch", async () => {
    expect(await output("print(rlm_query('deep'), rlm_batch(['d1', 'd2']))")).toBe(
      "rlm:deep ['rlm:d1', 'rlm:d2']\n",
    );
    expect(received.map((r) => r.kind)).toEqual(["rlm", "rlm"]);
  });

  it("works from comprehensions, helper functions, lambdas, methods and asyncio.gather", async () => {
    const code = [
      "def summarise(chunk):",
      "    return llm_query('sum ' + chunk)",
      "class Mapper:",
      "    def go(self, items):",
      "        return list(map(lambda s: llm_query(s), items))",
      "a = [llm_query(c) for c in ['x', 'y']]",
      "b = summarise('z')",
      "c = Mapper().go(['m'])",
      "d = sorted(['b', 'a'], key=lambda s: llm_query(s))",
      "import asyncio",
      "async def helper(p):",
      "    return await llm_query(p)",
      "e = await asyncio.gather(helper('g1'), llm_query('g2'))",
      "print(a, b, c, d, e)",
    ].join("\n");
    expect(await output(code)).toBe(
      "['llm:x', 'llm:y'] llm:sum z ['llm:m'] ['a', 'b'] ['llm:g1', 'llm:g2']\n",
    );
  });
});

describe("failures come back as strings, never as exceptions", () => {
  it("keeps per-item errors from the host in their items", async () => {
    expect(await output("print(llm_batch(['ok', 'fail-1', 'ok2']))")).toBe(
      "['llm:ok', 'Error: could not answer fail-1', 'llm:ok2']\n",
    );
  });

  it("turns a rejected batch into an error in every item", async () => {
    const out = await output(
      "r = llm_batch(['reject the batch', 'x'])\nprint(len(r), all(s.startswith('Error: backend unavailable') for s in r))",
    );
    expect(out).toBe("2 True\n");
  });

  it("turns junk from the handler into per-item errors", async () => {
    const out = await output(
      "r = llm_batch(['return junk', 'y', 'z'])\nprint([s.startswith('Error:') for s in r])",
    );
    expect(out).toBe("[True, True, True]\n");
  });

  it("rejects bad prompts per item, and bad arguments without raising", async () => {
    const out = await output(
      [
        "a = llm_batch(['fine', 3, None])",
        "b = llm_batch('one string')",
        "c = llm_query('q', callback=print)",
        "d = llm_batch(['x'] * 51)",
        "e = llm_batch([])",
        "for v in (a[0], a[1], a[2], b[0], c, d[0], len(d), e):",
        "    print(v)",
      ].join("\n"),
    );
    expect(out.split("\n")).toEqual([
      "llm:fine",
      "Error: prompt 1 must be a str, got int",
      "Error: prompt 2 must be a str, got NoneType",
      "Error: llm_batch expects a list of prompts, got a single str",
      expect.stringMatching(/^Error: sub-call options must be JSON-serialisable/),
      "Error: a batch of 51 prompts exceeds the limit of 50",
      "51",
      "[]",
      "",
    ]);
    expect(received).toEqual([{ kind: "llm", prompts: ["fine"], opts: {} }]);
  });
});

describe("timing", () => {
  it("does not count time spent waiting on sub-calls toward the cell timeout", async () => {
    const result = await sandbox.repl.run("r = llm_query('slow')\nprint(r)");
    expect(result.error).toBeUndefined();
    expect(result.stdout).toBe("llm:slow\n");
    expect(result.durationMs).toBeGreaterThan(1400);
  });
});
