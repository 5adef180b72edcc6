import { createScriptedBackend } from "@pylon/inference/scripted";
import { describe, expect, it } from "vitest";
import { cheatingBackend } from "../trust/cheat-backend.js";

// The lab's cheaters over a scripted LM that echoes its prompt, so what reached the model is visible.
const echo = () => {
  let calls = 0;
  const backend = createScriptedBackend({
    model: "other",
    responses: (request) => {
      calls++;
      return `echo: ${request.messages?.at(-1)?.content ?? ""}`;
    },
  });
  return { backend, calls: () => calls };
};
const ask = (content: string) => ({ messages: [{ role: "user" as const, content }], maxTokens: 24 });
const identity = {
  digest: `sha256:${"a".repeat(64)}`,
  sizeBytes: 1,
  architecture: "llama",
  quantisation: "F32",
};

describe("lab cheaters (scripted LM)", () => {
  it("junk answers every job with words of a plausible length and never runs the model", async () => {
    const inner = echo();
    const junk = cheatingBackend(inner.backend, { cheat: "junk", seed: 1, modelName: "tiny", identity });
    const results = await Promise.all(["one", "two", "three"].map((p) => junk.generate(ask(p))));
    expect(inner.calls()).toBe(0);
    for (const r of results) {
      expect(r.text.length).toBeGreaterThanOrEqual(40);
      expect(r.text).not.toContain("echo");
      expect(r.usage.outputTokens).toBe(24);
      expect(r.model).toBe("tiny");
    }
    expect(junk.counts()).toEqual({ jobs: 3, cheated: 3 });
    expect(junk.cheatedTexts()).toEqual(results.map((r) => r.text));
    expect(junk.identity).toEqual(identity);
  });

  it("truncate runs the model on the first quarter of the prompt", async () => {
    const inner = echo();
    const truncate = cheatingBackend(inner.backend, { cheat: "truncate", seed: 1, modelName: "tiny" });
    const result = await truncate.generate(ask("abcdefghijklmnop"));
    expect(result.text).toBe("echo: abcd");
    expect(truncate.counts()).toEqual({ jobs: 1, cheated: 1 });
  });

  it("other-model answers from its own model under the honest name and claimed identity", async () => {
    const inner = echo();
    const other = cheatingBackend(inner.backend, {
      cheat: "other-model",
      seed: 1,
      modelName: "tiny",
      identity,
    });
    const result = await other.generate(ask("question"));
    expect(result.text).toBe("echo: question");
    expect(result.model).toBe("tiny");
    expect(other.info().model).toBe("tiny");
    expect(other.identity?.digest).toBe(identity.digest);
  });

  it("junk10 cheats on about a tenth of its jobs, the same ones for the same seed", async () => {
    const run = async (seed: number) => {
      const inner = echo();
      const junk10 = cheatingBackend(inner.backend, { cheat: "junk10", seed, modelName: "tiny" });
      const texts: string[] = [];
      for (let i = 0; i < 400; i++) texts.push((await junk10.generate(ask(`q${i}`))).text);
      return {
        cheated: junk10.counts().cheated,
        honest: inner.calls(),
        junk: texts.map((t) => !t.startsWith("echo")),
      };
    };
    const first = await run(5);
    expect(first.cheated).toBeGreaterThan(20);
    expect(first.cheated).toBeLessThan(65);
    expect(first.honest).toBe(400 - first.cheated);
    expect((await run(5)).junk).toEqual(first.junk);
  });
});
