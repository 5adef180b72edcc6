/**
 * Real parts for swarm tests: a local relay over WebSockets, provider nodes (`startProvider`) serving a
 * SCRIPTED backend, fake announcements for providers that never answer, and cleanup of everything.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  createScriptedBackend,
  type ScriptedBackendOptions,
  type ScriptedResponder,
} from "@pylon/inference/scripted";
import { type Filter, getPublicKey, RelayPool, signEvent } from "@pylon/nostr";
import { buildAnnouncement, type NostrEvent } from "@pylon/protocol";
import { quietLogger, type RunningProvider, startProvider } from "@pylon/provider";
import { type RunningRelay, startRelay } from "@pylon/relay";
import type { SubcallRequest } from "@pylon/rlm";

export const MODEL = "scripted-sub";

export class Cleanup {
  #tasks: Array<() => unknown> = [];
  add(task: () => unknown): void {
    this.#tasks.push(task);
  }
  async run(): Promise<void> {
    for (const task of this.#tasks.splice(0).reverse()) {
      try {
        await task();
      } catch {
        // keep cleaning up
      }
    }
  }
}

export async function tempDir(cleanup: Cleanup, prefix = "pylon-swarm-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function relay(cleanup: Cleanup): Promise<RunningRelay> {
  const running = await startRelay({ port: 0, host: "127.0.0.1", db: ":memory:", verifyThreads: 0 });
  cleanup.add(() => running.close());
  return running;
}

/** Answers "answer to: <prompt>" so every reply can be matched to its request. */
export const echoAnswer: ScriptedResponder = (request) =>
  `answer to: ${request.messages?.at(-1)?.content ?? request.prompt ?? ""}`;

export interface NodeSpec {
  responses?: ScriptedResponder;
  latencyMs?: number;
  slots?: number;
  queue?: number;
  name?: string;
  /** Items one batched request may carry (0: plain jobs only). Default: the provider's. */
  maxBatch?: number;
  /** Failure injection (the node then answers with `error` feedback). */
  fail?: ScriptedBackendOptions["fail"];
}

/** A real provider node (free) on the relay, serving a SCRIPTED backend. */
export async function scriptedNode(
  cleanup: Cleanup,
  relayUrl: string,
  spec: NodeSpec = {},
): Promise<RunningProvider> {
  const dataDir = await tempDir(cleanup, "pylon-swarm-node-");
  const slots = spec.slots ?? 2;
  const node = await startProvider(
    {
      relays: [relayUrl],
      model: { type: "scripted", echo: true },
      free: true,
      dataDir,
      slots,
      queue: spec.queue ?? 2,
      shutdownGraceSec: 0,
      name: spec.name ?? "scripted node",
      ...(spec.maxBatch === undefined ? {} : { maxBatch: spec.maxBatch }),
    },
    {
      backend: createScriptedBackend({
        responses: spec.responses ?? echoAnswer,
        model: MODEL,
        latencyMs: spec.latencyMs ?? 5,
        slots,
        maxQueue: 1_000,
        ...(spec.fail ? { fail: spec.fail } : {}),
      }),
      log: quietLogger,
      allowPrivateRequestRelays: true,
    },
  );
  cleanup.add(() => node.stop());
  return node;
}

/** An announcement for a provider that exists on paper only: jobs sent to it are never acknowledged. */
export async function phantomProvider(
  cleanup: Cleanup,
  relayUrl: string,
  capacity = { slots: 4, maxQueue: 4 },
): Promise<string> {
  const secretKey = new Uint8Array(randomBytes(32));
  const pool = new RelayPool([relayUrl]);
  cleanup.add(() => pool.close());
  const event = signEvent(
    buildAnnouncement({
      now: Math.floor(Date.now() / 1000),
      handlerId: "pylon",
      name: "phantom",
      models: [{ name: MODEL, contextLength: 8192 }],
      price: { inputMsatsPer1k: 0, outputMsatsPer1k: 0, minimumMsats: 0 },
      capacity,
      ttlSec: 600,
    }),
    secretKey,
  );
  const results = await pool.publish(event);
  if (!results.some((r) => r.ok)) throw new Error("phantom announcement refused");
  return getPublicKey(secretKey);
}

export function ask(prompt: string, maxTokens = 64): SubcallRequest {
  return { messages: [{ role: "user", content: prompt }], maxTokens, depth: 1, runId: "test" };
}

/** Every event matching the filter that the relay holds now. */
export async function stored(relayUrl: string, filter: Filter): Promise<NostrEvent[]> {
  const pool = new RelayPool([relayUrl]);
  try {
    return await pool.query(filter);
  } finally {
    pool.close();
  }
}

export async function waitFor<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
