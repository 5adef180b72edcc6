import { createScriptedBackend } from "@pylon/inference/scripted";
import { describe, expect, it } from "vitest";
import { JobStore } from "../src/store/job-store.js";
import { buyerClient, failure, startNode, suite } from "./helpers/harness.js";

const shared = suite({ model: true });
const { cleanup } = shared;

describe("jobs that fail after acceptance end with an error feedback, never in silence", () => {
  it("a prompt longer than a job's context (real llama, 256-token context)", async () => {
    const node = await startNode(cleanup, {
      relays: [shared.relayUrl],
      model: shared.model,
      contextSize: 256,
    });
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const error = await failure(
      client.submit({
        prompt: "tell me more about it ".repeat(40),
        provider: node.pubkey,
        params: { maxTokens: 8 },
      }),
    );
    expect(error.feedback.map((f) => f.status)).toEqual(["processing", "error"]);
    expect(error.message).toMatch(
      /cannot run this request: prompt is \d+ tokens but a job's context holds 256/,
    );
    const store = JobStore.open(node.databaseFile);
    try {
      expect(store.get(error.jobId)).toMatchObject({ state: "failed", attempts: 1 });
    } finally {
      store.close();
    }
    expect(node.status().jobs.failed).toBe(1);

    // A prompt that cannot fit even by the (generous) estimate is refused before acceptance.
    const early = await failure(client.submit({ prompt: "x".repeat(4_000), provider: node.pubkey }));
    expect(early.feedback.map((f) => f.status)).toEqual(["error"]);
    expect(early.message).toMatch(/prompt too long: about 1000 tokens, but a job's context here holds 256/);
  });

  it("a backend failure (scripted backend with an injected engine error)", async () => {
    const backend = createScriptedBackend({ responses: ["never"], fail: () => "internal" });
    const node = await startNode(
      cleanup,
      { relays: [shared.relayUrl], model: { type: "scripted", reply: "-" } },
      { backend },
    );
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const error = await failure(client.submit({ prompt: "hi", provider: node.pubkey }));
    expect(error.message).toBe(
      "provider refused or failed the job: generation failed: scripted failure (internal)",
    );
  });
});
