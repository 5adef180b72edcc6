/**
 * Jobs in flight when the node stops or dies. Policy (see README): a graceful stop fails what it cannot
 * finish within the grace period, with an error feedback; after a crash, the next start runs interrupted
 * jobs again (at most twice), publishes stored results no relay took, and fails the rest explicitly.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { JobError, type JobOutcome } from "@pylon/nostr";
import { parseAnnouncement } from "@pylon/protocol";
import { Cleanup, sleep, tempDir, waitFor } from "@pylon/testkit";
import { startTestRelay } from "@pylon/testkit/market";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ProviderConfigInput } from "../src/config/schema.js";
import { JobStore } from "../src/store/job-store.js";
import { buyerClient, startNode, tinyModel } from "./helpers/harness.js";

const NODE_PROCESS = fileURLToPath(new URL("./fixtures/node-process.mjs", import.meta.url));
const cleanup = new Cleanup();
let model: string;
const modelCleanup = new Cleanup();

beforeAll(async () => {
  model = await tinyModel(modelCleanup);
  return () => modelCleanup.run();
});
afterEach(() => cleanup.run());

/** Starts a node in a child process; resolves once it serves. */
async function nodeProcess(config: ProviderConfigInput): Promise<{ child: ChildProcess; pubkey: string }> {
  const child = spawn(process.execPath, [NODE_PROCESS, JSON.stringify(config)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanup.add(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const pubkey = await waitFor(
    () => /ready ([0-9a-f]{64})/.exec(output)?.[1],
    `the node process (${output})`,
    15_000,
  );
  return { child, pubkey };
}

describe("a graceful stop", () => {
  it("fails running jobs after the grace period and queued ones at once, with feedback, then announces offline", async () => {
    const relayUrl = (await startTestRelay(cleanup)).url;
    const node = await startNode(cleanup, {
      relays: [relayUrl],
      model,
      slots: 1,
      queue: 2,
      maxTokens: 2_000,
      shutdownGraceSec: 0.2,
    });
    const { client, pool } = buyerClient(cleanup, relayUrl);
    const long = { provider: node.pubkey, params: { maxTokens: 2_000 }, extraParams: { ignore_eos: "true" } };
    const running = client.submit({ prompt: "running", ...long }).catch((e: unknown) => e as JobError);
    await waitFor(() => node.status().activeJobs === 1, "the first job to run");
    const queued = client.submit({ prompt: "queued", ...long }).catch((e: unknown) => e as JobError);
    await waitFor(() => node.status().queueDepth === 1, "the second job to queue");

    await node.stop();
    const [runningError, queuedError] = (await Promise.all([running, queued])) as JobError[];
    for (const error of [runningError, queuedError]) {
      expect(error).toBeInstanceOf(JobError);
      expect(error?.message).toMatch(/provider shutting down; please retry/);
    }
    const store = JobStore.open(node.databaseFile);
    try {
      expect(store.get(runningError!.jobId)).toMatchObject({ state: "failed", attempts: 1 });
      expect(store.get(queuedError!.jobId)).toMatchObject({ state: "failed", attempts: 0 });
    } finally {
      store.close();
    }
    const [announcement] = await pool.query({ kinds: [31990], authors: [node.pubkey] });
    const parsed = parseAnnouncement(announcement);
    expect(parsed.ok && parsed.announcement.status).toBe("offline");
  });
});

describe("a crash (SIGKILL) mid-job", () => {
  it("re-runs the interrupted job on the next start and delivers its result; a further restart replays nothing (scripted backend for a slow, deterministic job)", async () => {
    const relayUrl = (await startTestRelay(cleanup)).url;
    const dataDir = await tempDir(cleanup);
    const reply = "the answer is forty-two. ".repeat(8);
    const config: ProviderConfigInput = {
      relays: [relayUrl],
      dataDir,
      free: true,
      model: { type: "scripted", reply, tokenLatencyMs: 40 }, // 50 tokens: 2 s
    };
    const first = await nodeProcess(config);
    const { client, pool } = buyerClient(cleanup, relayUrl);
    let processing = false;
    const outcome = client.submit(
      { prompt: "what is the answer?", provider: first.pubkey },
      { timeoutMs: 30_000, onFeedback: (f) => (processing ||= f.status === "processing") },
    );
    outcome.catch(() => undefined); // awaited below; a failure must not surface as unhandled meanwhile
    await waitFor(() => processing, "the job to start");
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));

    const store = JobStore.open(`${dataDir}/provider.db`);
    cleanup.add(() => store.close());
    const [interrupted] = store.inStates(["running"]);
    expect(interrupted).toMatchObject({ state: "running", attempts: 1 });

    // A request sent while the node is down must not be missed either.
    const whileDown = client.submit(
      { prompt: "are you back?", provider: first.pubkey },
      { timeoutMs: 30_000 },
    );
    const second = await startNode(cleanup, { ...config, model: { type: "scripted", reply } });
    expect(second.pubkey).toBe(first.pubkey); // same key file

    const resumed = await outcome;
    expect(resumed.jobId).toBe(interrupted!.id);
    expect(resumed.output).toBe(reply);
    expect(resumed.feedback.map((f) => f.extra)).toContain("resumed after a provider restart; started");
    expect((await whileDown).output).toBe(reply);
    expect(store.get(interrupted!.id)).toMatchObject({ state: "done", attempts: 2 });
    expect(second.status().jobs).toMatchObject({ served: 2, resumed: 1 });

    // Restart once more: both jobs are done and already seen, so nothing is run or published again.
    await second.stop();
    const replies = { kinds: [6050, 7000], authors: [first.pubkey] };
    const before = (await pool.query(replies)).map((event) => event.id).sort();
    const third = await startNode(cleanup, { ...config, model: { type: "scripted", reply } });
    await sleep(500);
    const after = (await pool.query(replies)).map((event) => event.id).sort();
    expect(after).toEqual(before);
    expect(third.status().jobs).toMatchObject({ served: 0, resumed: 0, refused: 0 });
  });
});

describe("restart recovery of each stored state", () => {
  it("publishes a stored result, resumes a queued job, and fails payment-checking and twice-interrupted jobs explicitly (scripted backend)", async () => {
    const relayUrl = (await startTestRelay(cleanup)).url;
    const dataDir = await tempDir(cleanup);
    const { client } = buyerClient(cleanup, relayUrl);
    // The node's key, so the seeded requests can be addressed to it before it starts.
    const probe = await startNode(cleanup, {
      relays: [relayUrl],
      dataDir,
      model: { type: "scripted", reply: "-" },
    });
    await probe.stop();
    const provider = probe.pubkey;

    const requests = {
      finished: client.prepare({ prompt: "already answered", provider }),
      queued: client.prepare({ prompt: "waiting", provider }),
      received: client.prepare({ prompt: "paying", provider }),
      twice: client.prepare({ prompt: "crashes us", provider }),
    };
    const store = JobStore.open(`${dataDir}/provider.db`);
    const now = Math.floor(Date.now() / 1000);
    const seed = (key: keyof typeof requests, state: "queued" | "received" | "running" | "finished") =>
      store.recordRequest(requests[key], now, { buyer: client.pubkey, event: requests[key], state });
    seed("finished", "finished");
    store.update(requests.finished.id, { output: "the stored output", amountMsats: 0 });
    seed("queued", "queued");
    seed("received", "received");
    seed("twice", "running");
    store.update(requests.twice.id, { attempts: 2 });
    store.close();

    // The buyer follows each job (publishing the request again is harmless: the node has seen its id).
    const follow = (key: keyof typeof requests) =>
      client.run(requests[key], { timeoutMs: 15_000 }).catch((e: unknown) => e as JobError);
    const outcomes = {
      finished: follow("finished"),
      queued: follow("queued"),
      received: follow("received"),
      twice: follow("twice"),
    };
    const node = await startNode(cleanup, {
      relays: [relayUrl],
      dataDir,
      model: { type: "scripted", reply: "fresh work" },
    });

    expect(((await outcomes.finished) as JobOutcome).output).toBe("the stored output");
    expect(((await outcomes.queued) as JobOutcome).output).toBe("fresh work");
    expect(((await outcomes.received) as JobError).message).toMatch(/restarted while checking the payment/);
    expect(((await outcomes.twice) as JobError).message).toMatch(
      /restarted 2 times while running this job; giving up/,
    );
    expect(node.status().jobs).toMatchObject({ served: 2, failed: 2, resumed: 1 });
  });

  it("a queued job its buyer cancelled while the node was down ends cancelled, not run (scripted backend)", async () => {
    const relayUrl = (await startTestRelay(cleanup)).url;
    const dataDir = await tempDir(cleanup);
    const { client, pool } = buyerClient(cleanup, relayUrl);
    const probe = await startNode(cleanup, {
      relays: [relayUrl],
      dataDir,
      model: { type: "scripted", reply: "-" },
    });
    await probe.stop();
    const request = client.prepare({ prompt: "cancelled while down", provider: probe.pubkey });
    const store = JobStore.open(`${dataDir}/provider.db`);
    store.recordRequest(request, Math.floor(Date.now() / 1000), {
      buyer: client.pubkey,
      event: request,
      state: "queued",
    });
    store.close();
    expect((await pool.publish(request)).every((r) => r.ok)).toBe(true);
    expect((await client.cancel(request)).every((r) => r.ok)).toBe(true);

    const node = await startNode(cleanup, {
      relays: [relayUrl],
      dataDir,
      model: { type: "scripted", reply: "should not run" },
    });
    await waitFor(() => node.status().jobs.cancelled === 1, "the resumed job to end cancelled", 10_000);
    await sleep(300);
    expect(node.status().jobs).toMatchObject({ served: 0, cancelled: 1, resumed: 1 });
  });
});
