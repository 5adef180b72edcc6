/**
 * What provider tests share: a real local relay (real WebSockets), the generated tiny GGUF, nodes started on
 * temporary data dirs, and buyers that talk to them through RelayPool + JobClient. Everything started is
 * registered for cleanup.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeTinyGguf } from "@pylon/inference";
import { type Filter, JobClient, JobError, RelayPool } from "@pylon/nostr";
import type { NostrEvent } from "@pylon/protocol";
import { type RunningRelay, startRelay } from "@pylon/relay";
import { generateSecretKey } from "nostr-tools/pure";
import { expect } from "vitest";
import type { ProviderConfigInput } from "../../src/config/schema.js";
import { quietLogger } from "../../src/log.js";
import { type ProviderDeps, type RunningProvider, startProvider } from "../../src/provider.js";

export class Cleanup {
  #tasks: Array<() => unknown> = [];

  add(task: () => unknown): void {
    this.#tasks.push(task);
  }

  async run(): Promise<void> {
    for (const task of this.#tasks.splice(0).reverse()) await task();
  }
}

export async function tempDir(cleanup: Cleanup, prefix = "pylon-provider-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function relay(cleanup: Cleanup): Promise<RunningRelay> {
  const running = await startRelay({ port: 0, db: ":memory:", verifyThreads: 0 });
  cleanup.add(() => running.close());
  return running;
}

/** The generated tiny GGUF, written once per test file. */
export async function tinyModel(cleanup: Cleanup): Promise<string> {
  const dir = await tempDir(cleanup, "pylon-model-");
  const file = path.join(dir, "tiny.gguf");
  await writeTinyGguf(file);
  return file;
}

export interface NodeOptions extends Partial<ProviderConfigInput> {
  relays: string[];
}

/** A node on real llama.cpp (CPU, one thread) unless `model` says otherwise; free unless told. */
export async function startNode(
  cleanup: Cleanup,
  options: NodeOptions & { model: ProviderConfigInput["model"] },
  deps: ProviderDeps = {},
): Promise<RunningProvider> {
  const dataDir = options.dataDir ?? (await tempDir(cleanup));
  const node = await startProvider(
    {
      gpu: false,
      threads: 1,
      contextSize: 2048,
      slots: 2,
      free: true,
      ...options,
      dataDir,
    },
    { log: quietLogger, allowPrivateRequestRelays: true, ...deps },
  );
  cleanup.add(() => node.stop());
  return node;
}

export interface BuyerClient {
  secretKey: Uint8Array;
  pubkey: string;
  pool: RelayPool;
  client: JobClient;
}

export function buyerClient(
  cleanup: Cleanup,
  relayUrl: string,
  secretKey = generateSecretKey(),
): BuyerClient {
  const pool = new RelayPool([relayUrl], { connectTimeoutMs: 2_000 });
  cleanup.add(() => pool.close());
  const client = new JobClient(pool, secretKey, { timeoutMs: 20_000 });
  return { secretKey, pubkey: client.pubkey, pool, client };
}

/** Every event matching `filter` that arrives within `ms` (a bounded wait for "nothing happens"). */
export async function collect(pool: RelayPool, filter: Filter, ms: number): Promise<NostrEvent[]> {
  const events: NostrEvent[] = [];
  const handle = pool.subscribe(filter, { onevent: (event) => events.push(event) });
  await sleep(ms);
  handle.close();
  return events;
}

/** Polls `check` until it returns a value; fails with `what` after `timeoutMs`. */
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
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

export function tag(event: { tags: string[][] }, name: string): string[] | undefined {
  return event.tags.find((t) => t[0] === name);
}

/** The JobError a job failed with (the test fails if it succeeded or threw anything else). */
export async function failure(promise: Promise<unknown>): Promise<JobError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JobError);
  return error as JobError;
}
