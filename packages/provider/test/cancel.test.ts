import { JobError, signEvent } from "@pylon/nostr";
import { buildJobCancel } from "@pylon/protocol";
import { waitFor } from "@pylon/testkit";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunningProvider } from "../src/provider.js";
import { JobStore } from "../src/store/job-store.js";
import { buyerClient, collect, startNode, suite } from "./helpers/harness.js";

// Real relay, real node-llama-cpp (tiny GGUF, ~1,000 tokens/s here), real SQLite. Jobs ask for 2,000 tokens
// with ignore_eos so that they are still running when the cancellation arrives.
const shared = suite({ model: true });
const { files, cleanup } = shared;
let node: RunningProvider;
let store: JobStore;

beforeAll(async () => {
  node = await startNode(files, {
    relays: [shared.relayUrl],
    model: shared.model,
    slots: 1,
    queue: 2,
    maxTokens: 2_000,
  });
  store = JobStore.open(node.databaseFile); // a second reader of the node's own database
  files.add(() => store.close());
});

const LONG = { params: { maxTokens: 2_000, temperature: 1 }, extraParams: { ignore_eos: "true" } };

describe("cancellation", () => {
  it("stops a running job when its buyer sends a kind 5, and publishes no result", async () => {
    const { client, pool } = buyerClient(cleanup, shared.relayUrl);
    const abort = new AbortController();
    const job = client.submit(
      { prompt: "a long story", provider: node.pubkey, ...LONG },
      { signal: abort.signal, onFeedback: (f) => f.status === "processing" && abort.abort() },
    );
    const error = (await job.catch((e: unknown) => e)) as JobError;
    expect(error).toBeInstanceOf(JobError);
    expect(error.code).toBe("aborted");

    const stored = await waitFor(() => {
      const row = store.get(error.jobId);
      return row?.state === "cancelled" ? row : undefined;
    }, "the job to be cancelled");
    expect(stored.detail).toBe("cancelled by the buyer");
    expect(stored.outputTokens).toBeLessThan(2_000);
    const replies = await collect(pool, { "#e": [error.jobId] }, 300);
    expect(replies.some((e) => e.kind === 6050)).toBe(false);
    expect(
      replies.some((e) => e.tags.some((t) => t[0] === "status" && t[2] === "cancelled by the buyer")),
    ).toBe(true);
  });

  it("also honours a hand-written kind 5 without the optional `k` tag", async () => {
    const { client, secretKey, pool } = buyerClient(cleanup, shared.relayUrl);
    let cancelled: Promise<unknown> | undefined;
    const job = client.submit(
      { prompt: "another long story", provider: node.pubkey, ...LONG },
      {
        onFeedback: (feedback) => {
          const bare = {
            kind: 5,
            created_at: feedback.createdAt,
            tags: [["e", feedback.jobId]],
            content: "",
          };
          cancelled ??= pool.publish(finalizeEvent(bare, secretKey));
        },
      },
    );
    const error = (await job.catch((e: unknown) => e)) as JobError;
    expect(error.message).toBe("provider refused or failed the job: cancelled by the buyer");
    expect(store.get(error.jobId)?.state).toBe("cancelled");
    expect(await cancelled).toEqual([expect.objectContaining({ ok: true })]);
  });

  it("removes a queued job from the queue when its buyer cancels it; the running job carries on", async () => {
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const first = client.submit({ prompt: "first", provider: node.pubkey, ...LONG });
    await waitFor(() => node.status().activeJobs === 1, "the first job to run");
    const abort = new AbortController();
    const second = client.submit(
      { prompt: "second", provider: node.pubkey, params: { maxTokens: 10 } },
      { signal: abort.signal, onFeedback: (f) => f.status === "processing" && abort.abort() },
    );
    const error = (await second.catch((e: unknown) => e)) as JobError;
    expect(error.code).toBe("aborted");
    const stored = await waitFor(() => {
      const row = store.get(error.jobId);
      return row?.state === "cancelled" ? row : undefined;
    }, "the queued job to be cancelled");
    expect(stored.startedAt).toBeUndefined(); // it never reached a slot
    expect(stored.attempts).toBe(0);
    expect((await first).output.length).toBeGreaterThan(0);
  });

  it("ignores a kind 5 for the job from anyone but its buyer", async () => {
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const stranger = buyerClient(cleanup, shared.relayUrl, generateSecretKey());
    let strangerCancelled: Promise<unknown> | undefined;
    const outcome = await client.submit(
      { prompt: "keep going", provider: node.pubkey, ...LONG },
      {
        onFeedback: (feedback) => {
          const cancel = buildJobCancel({
            now: feedback.createdAt,
            request: { id: feedback.jobId, kind: 5050 },
          });
          strangerCancelled = stranger.pool.publish(signEvent(cancel, stranger.secretKey));
        },
      },
    );
    expect(strangerCancelled).toBeDefined();
    expect((await strangerCancelled) as unknown[]).toEqual([expect.objectContaining({ ok: true })]);
    expect(store.get(outcome.jobId)?.state).toBe("done");
    expect(store.get(outcome.jobId)?.outputTokens).toBe(2_000);
  });
});
