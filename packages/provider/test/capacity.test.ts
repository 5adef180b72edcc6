import { JobError, type JobOutcome } from "@pylon/nostr";
import { describe, expect, it } from "vitest";
import { buyerClient, startNode, suite } from "./helpers/harness.js";

// Real relay, real node-llama-cpp (tiny GGUF), real SQLite.
const shared = suite({ model: true });
const { cleanup } = shared;

describe("backpressure", () => {
  it("runs jobs up to its slots, queues up to its queue bound, and refuses the rest at once as busy", async () => {
    const node = await startNode(cleanup, {
      relays: [shared.relayUrl],
      model: shared.model,
      slots: 2,
      queue: 1,
    });
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const started = Date.now();
    const settled = await Promise.allSettled(
      Array.from({ length: 4 }, (_, index) =>
        client.submit({
          prompt: `job ${index}`,
          provider: node.pubkey,
          params: { maxTokens: 600, seed: index },
          extraParams: { ignore_eos: "true" },
        }),
      ),
    );

    const served = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const refused = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
    expect(served).toHaveLength(3);
    expect(refused).toHaveLength(1);
    const busy = refused[0] as JobError;
    expect(busy).toBeInstanceOf(JobError);
    expect(busy.code).toBe("error");
    expect(busy.message).toMatch(
      /^provider refused or failed the job: busy: all 2 slots and 1 queue place are taken; retry later/,
    );
    // The refusal came before any work finished: the busy job heard nothing but the refusal.
    expect(busy.feedback.map((f) => f.status)).toEqual(["error"]);
    expect(busy.feedback[0]!.createdAt * 1000).toBeLessThanOrEqual(started + 2_000);

    const notes = served.map((outcome: JobOutcome) => outcome.feedback[0]?.extra ?? "");
    expect(notes.filter((note) => note === "started")).toHaveLength(2);
    expect(notes.filter((note) => note.startsWith("queued behind 2 jobs"))).toHaveLength(1);
    expect(node.status().jobs).toMatchObject({ served: 3, busy: 1, refused: 1 });
    expect(node.status().tokensGenerated).toBe(1_800);
    expect(node.status().queueDepth).toBe(0);
  });
});
