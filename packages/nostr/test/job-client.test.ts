import {
  buildJobFeedback,
  buildJobResult,
  buildStreamPartial,
  ConversationKeyCache,
  type EventTemplate,
  type JobRequest,
  outputPartTag,
  parseJobCancel,
  parseJobRequest,
} from "@pylon/protocol";
import { Cleanup, rejection, sleep, unusedPort, waitFor } from "@pylon/testkit";
import type { NostrEvent } from "nostr-tools/core";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { JobClient } from "../src/job-client.js";
import { JobError } from "../src/job-watch.js";
import { signEvent } from "../src/sign.js";
import { initFastVerify } from "../src/verify.js";
import { testPool, testRelay } from "./helpers.js";

// A real relay, and a provider played by the test with the protocol's builders: each test scripts its replies.
const cleanup = new Cleanup();
afterEach(() => cleanup.run());
beforeAll(async () => {
  await initFastVerify();
});

const relay = () => testRelay(cleanup, { verifyThreads: 0 });
const pool = (url: string) => testPool(cleanup, [url]);

interface FakeProvider {
  pubkey: string;
  keys: ConversationKeyCache;
  requests: JobRequest[];
  cancels: NostrEvent[];
  publish(template: EventTemplate, secretKey?: Uint8Array): Promise<void>;
}

/** Subscribes like a provider and hands each parsed request to `reply`. */
function fakeProvider(
  url: string,
  reply: (job: JobRequest, provider: FakeProvider) => Promise<void> | void,
): FakeProvider {
  const secretKey = generateSecretKey();
  const keys = new ConversationKeyCache(secretKey);
  const transport = pool(url);
  const provider: FakeProvider = {
    pubkey: keys.pubkey,
    keys,
    requests: [],
    cancels: [],
    publish: async (template, key = secretKey) => {
      const [result] = await transport.publish(signEvent(template, key));
      if (!result?.ok) throw new Error(`relay refused: ${result?.reason}`);
    },
  };
  transport.subscribe([{ kinds: [5050], "#p": [keys.pubkey] }, { kinds: [5] }], {
    onevent: (event) => {
      if (event.kind === 5) {
        provider.cancels.push(event);
        return;
      }
      const parsed = parseJobRequest(event, { now: Math.floor(Date.now() / 1000), secretKey: keys });
      if (!parsed.ok) throw new Error(parsed.reason);
      provider.requests.push(parsed.job);
      void reply(parsed.job, provider);
    },
  });
  return provider;
}

const now = () => Math.floor(Date.now() / 1000);
const feedback = (
  job: JobRequest,
  status: "processing" | "error" | "payment-required",
  extra?: string,
  msats?: number,
) =>
  buildJobFeedback({
    now: now(),
    request: job.event,
    status,
    ...(extra ? { extra } : {}),
    ...(msats === undefined ? {} : { amount: { msats } }),
  });
const result = (job: JobRequest, provider: FakeProvider, output: string) =>
  buildJobResult({
    now: now(),
    request: job.event,
    output,
    ...(job.encryption ? { encryption: { sender: provider.keys, scheme: job.encryption } } : {}),
  });
/** The result event of an output split into `total` parts: it carries the last one. */
const lastPart = (job: JobRequest, provider: FakeProvider, output: string, total: number) => {
  const last = result(job, provider, output);
  last.tags.push(outputPartTag(total, total));
  return last;
};

function client(url: string, timeoutMs = 5_000): JobClient {
  return new JobClient(pool(url), generateSecretKey(), { timeoutMs });
}

const failure = (promise: Promise<unknown>) => rejection(promise, JobError);

describe("JobClient", () => {
  it("publishes a request and returns the result with the feedback that came before it", async () => {
    const { url } = await relay();
    const provider = fakeProvider(url, async (job, p) => {
      await p.publish(feedback(job, "processing", "started"));
      await p.publish(result(job, p, `echo: ${job.prompt}`));
    });
    const outcome = await client(url).submit({
      prompt: "hello",
      provider: provider.pubkey,
      params: { maxTokens: 5 },
    });
    expect(outcome.output).toBe("echo: hello");
    expect(outcome.provider).toBe(provider.pubkey);
    expect(outcome.parts).toBe(1);
    expect(outcome.feedback.map((f) => [f.status, f.extra])).toEqual([["processing", "started"]]);
    expect(outcome.result.request?.id).toBe(outcome.jobId);
    expect(provider.requests[0]?.params.maxTokens).toBe(5);
  });

  it("follows 300 concurrent jobs over one relay subscription (beyond the relay's 200-subscription limit)", async () => {
    const running = await relay();
    const replies: Promise<void>[] = [];
    const provider = fakeProvider(running.url, (job, p) => {
      const reply = (async () => {
        await p.publish(feedback(job, "processing"));
        await p.publish(result(job, p, `echo: ${job.prompt}`));
      })();
      replies.push(reply);
      return reply;
    });
    const buyer = client(running.url, 20_000);
    await waitFor(() => running.metrics().reqs.received === 1, "the provider's subscription");
    const reqsBefore = running.metrics().reqs.received;
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, (_, i) => buyer.submit({ prompt: `job ${i}`, provider: provider.pubkey })),
    );
    expect(outcomes.map((o) => o.output)).toEqual(outcomes.map((_, i) => `echo: job ${i}`));
    expect(outcomes.every((o) => o.feedback.length === 1)).toBe(true);
    // The buyer's pool sent one REQ for all 300 jobs (the relay refuses a 201st open subscription).
    expect(running.metrics().reqs.received - reqsBefore).toBe(1);
    expect(running.metrics().reqs.refused).toEqual({});
    await Promise.all(replies); // the relay's OKs may trail the fan-out of the results
  }, 30_000);

  it("encrypts the request to the provider and decrypts the result", async () => {
    const { url } = await relay();
    const provider = fakeProvider(url, (job, p) => p.publish(result(job, p, job.prompt.toUpperCase())));
    const outcome = await client(url).submit({
      prompt: "secret words",
      provider: provider.pubkey,
      encryption: "nip44",
    });
    expect(provider.requests[0]?.encryption).toBe("nip44");
    expect(outcome.request.content).not.toContain("secret");
    expect(outcome.output).toBe("SECRET WORDS");
    expect(outcome.result.encryption).toBe("nip44");
  });

  it("takes a targeted job's result only from the provider asked, and only when it is about this job", async () => {
    const { url } = await relay();
    const impostor = generateSecretKey();
    const provider = fakeProvider(url, async (job, p) => {
      await p.publish(result(job, p, "forged"), impostor);
      // Right author and e tag, but the embedded request is another event: not this job's result.
      const other = signEvent(
        { kind: 5050, tags: [["i", "other", "text"]], content: "" },
        generateSecretKey(),
      );
      const wrong = buildJobResult({ now: now(), request: { ...other, id: job.id }, output: "mixed up" });
      wrong.tags = wrong.tags.map((tag) => (tag[0] === "request" ? ["request", JSON.stringify(other)] : tag));
      await p.publish(wrong);
      await p.publish(result(job, p, "genuine"));
    });
    const outcome = await client(url).submit({ prompt: "who are you", provider: provider.pubkey });
    expect(outcome.output).toBe("genuine");
    expect(outcome.provider).toBe(provider.pubkey);
  });

  it("rejects with the provider's reason on an error feedback, and with the amount on payment-required", async () => {
    const { url } = await relay();
    const provider = fakeProvider(url, (job, p) =>
      job.prompt === "pay"
        ? p.publish(feedback(job, "payment-required", "costs 21 sats", 21_000))
        : p.publish(feedback(job, "error", "busy: try later")),
    );
    const busy = await failure(client(url).submit({ prompt: "work", provider: provider.pubkey }));
    expect(busy.code).toBe("error");
    expect(busy.message).toBe("provider refused or failed the job: busy: try later");
    const unpaid = await failure(client(url).submit({ prompt: "pay", provider: provider.pubkey }));
    expect(unpaid.code).toBe("payment-required");
    expect(unpaid.amountMsats).toBe(21_000);
    expect(unpaid.feedback[0]?.extra).toBe("costs 21 sats");
  });

  it("times out with the feedback received so far", async () => {
    const { url } = await relay();
    const provider = fakeProvider(url, (job, p) => p.publish(feedback(job, "processing")));
    const started = Date.now();
    const error = await failure(client(url, 600).submit({ prompt: "slow", provider: provider.pubkey }));
    expect(error.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.feedback.map((f) => f.status)).toEqual(["processing"]);
  });

  it("on abort, publishes a kind-5 cancellation of the job (with its k tag) and rejects", async () => {
    const { url } = await relay();
    const provider = fakeProvider(url, (job, p) => p.publish(feedback(job, "processing")));
    const abort = new AbortController();
    const buyer = client(url);
    const job = buyer.submit(
      { prompt: "never mind", provider: provider.pubkey },
      { signal: abort.signal, onFeedback: () => abort.abort() },
    );
    const error = await failure(job);
    expect(error.code).toBe("aborted");
    await waitFor(() => provider.cancels.length === 1, "the cancellation");
    const cancel = parseJobCancel(provider.cancels[0]);
    expect(cancel.ok && cancel.cancel).toMatchObject({
      author: buyer.pubkey,
      eventIds: [error.jobId],
      kinds: [5050],
    });
  });

  it("reassembles an output sent in parts, even when the result arrives before its parts", async () => {
    const { url } = await relay();
    const provider = fakeProvider(url, async (job, p) => {
      await p.publish(lastPart(job, p, "three", 3));
      await sleep(50);
      for (const [index, content] of ["one ", "two "].entries()) {
        const part = buildJobFeedback({
          now: now(),
          request: job.event,
          status: "partial",
          content,
          ...(job.encryption ? { encryption: { sender: p.keys, scheme: job.encryption } } : {}),
        });
        part.tags.push(outputPartTag(index + 1, 3));
        await p.publish(part);
      }
    });
    const outcome = await client(url).submit({
      prompt: "count",
      provider: provider.pubkey,
      encryption: "nip44",
    });
    expect(outcome.output).toBe("one two three");
    expect(outcome.parts).toBe(3);
    expect(outcome.feedback).toEqual([]); // parts are output, not progress
  });

  it("reports a split result whose parts never come as incomplete", async () => {
    const { url } = await relay();
    const provider = fakeProvider(url, async (job, p) => {
      await p.publish(lastPart(job, p, "tail", 2));
    });
    const buyer = new JobClient(pool(url), generateSecretKey(), {
      timeoutMs: 800,
      missingPartsQueryMs: 100,
    });
    const error = await failure(buyer.submit({ prompt: "x", provider: provider.pubkey }));
    expect(error.code).toBe("incomplete");
  });

  it("fails fast with not-published when no relay takes the request", async () => {
    const dead = `ws://127.0.0.1:${await unusedPort()}`;
    const buyer = new JobClient(testPool(cleanup, [dead], { connectTimeoutMs: 300 }), generateSecretKey(), {
      publishTimeoutMs: 500,
    });
    const error = await failure(
      buyer.submit({ prompt: "anyone?", provider: getPublicKey(generateSecretKey()) }),
    );
    expect(error.code).toBe("not-published");
    expect(error.publishResults?.[0]?.ok).toBe(false);
  });

  it("puts stream pieces sent out of order back in seq order for onPartial; they are not feedback", async () => {
    const { url } = await relay();
    const provider = fakeProvider(url, async (job, p) => {
      await p.publish(feedback(job, "processing"));
      const encryption = job.encryption ? { encryption: { sender: p.keys, scheme: job.encryption } } : {};
      for (const [seq, text] of [
        [2, "c"],
        [0, "a"],
        [0, "a"],
        [1, "b"],
      ] as const)
        await p.publish(buildStreamPartial({ now: now(), request: job.event, seq, text, ...encryption }));
      await sleep(50);
      await p.publish(result(job, p, "abcd"));
    });
    const pieces: string[] = [];
    const outcome = await client(url).submit(
      { prompt: "stream it", provider: provider.pubkey, encryption: "nip44", stream: true },
      { onPartial: (text) => pieces.push(text) },
    );
    expect(provider.requests[0]?.stream).toBe(true);
    expect(pieces).toEqual(["a", "b", "c"]);
    expect(outcome.output).toBe("abcd");
    expect(outcome.feedback.map((f) => f.status)).toEqual(["processing"]);
  });

  it("takes a foreign provider's pieces without seq in arrival order; without onPartial they stay feedback", async () => {
    const { url } = await relay();
    const provider = fakeProvider(url, async (job, p) => {
      for (const content of ["x", "y"]) {
        await p.publish(buildJobFeedback({ now: now(), request: job.event, status: "partial", content }));
        await sleep(20);
      }
      await p.publish(result(job, p, "xyz"));
    });
    const pieces: string[] = [];
    await client(url).submit(
      { prompt: "one", provider: provider.pubkey, stream: true },
      { onPartial: (text) => pieces.push(text) },
    );
    expect(pieces).toEqual(["x", "y"]);
    const plain = await client(url).submit({ prompt: "two", provider: provider.pubkey });
    expect(plain.feedback.map((f) => f.content)).toEqual(["x", "y"]);
  });
});
