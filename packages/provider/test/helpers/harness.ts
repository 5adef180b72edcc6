/**
 * What provider tests share beyond @pylon/testkit: the generated tiny GGUF, nodes on real llama.cpp started
 * on temporary data dirs, a test file's relay and model, and buyers that talk to nodes through RelayPool +
 * JobClient. Everything started is registered for cleanup.
 */
import path from "node:path";
import { writeTinyGguf } from "@pylon/inference";
import { type Filter, JobClient, JobError, RelayPool } from "@pylon/nostr";
import type { NostrEvent } from "@pylon/protocol";
import { Cleanup, nowSec, rejection, sleep, tempDir } from "@pylon/testkit";
import { startTestRelay } from "@pylon/testkit/market";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { ProviderConfigInput } from "../../src/config/schema.js";
import { quietLogger } from "../../src/log.js";
import { type ProviderDeps, type RunningProvider, startProvider } from "../../src/provider.js";

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

/**
 * A test file's shared parts, filled in by its beforeAll: a relay and (with `model`) the tiny GGUF, both on
 * `files` (undone after the file); `cleanup` is undone after each test.
 */
export interface Suite {
  files: Cleanup;
  cleanup: Cleanup;
  relayUrl: string;
  /** The tiny GGUF's path ("" without `model`). */
  model: string;
}

export function suite(options: { model?: boolean } = {}): Suite {
  const shared: Suite = { files: new Cleanup(), cleanup: new Cleanup(), relayUrl: "", model: "" };
  beforeAll(async () => {
    if (options.model) shared.model = await tinyModel(shared.files);
    shared.relayUrl = (await startTestRelay(shared.files)).url;
  });
  afterEach(() => shared.cleanup.run());
  afterAll(() => shared.files.run());
  return shared;
}

/** A node on real llama.cpp (CPU, one thread) unless `model` says otherwise; free unless told. */
export async function startNode(
  cleanup: Cleanup,
  options: NodeOptions & { model: ProviderConfigInput["model"] },
  deps: ProviderDeps = {},
): Promise<RunningProvider> {
  const dataDir = options.dataDir ?? (await tempDir(cleanup, "pylon-provider-"));
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

/**
 * A kind-5050 request written by hand (finalizeEvent), as a foreign client or a broken one would send it:
 * the project's builders refuse to make such requests.
 */
export function handMadeRequest(
  secretKey: Uint8Array,
  tags: string[][],
  options: { createdAt?: number; content?: string } = {},
): NostrEvent {
  return finalizeEvent(
    { kind: 5050, created_at: options.createdAt ?? nowSec(), content: options.content ?? "", tags },
    secretKey,
  );
}

export function tag(event: { tags: string[][] }, name: string): string[] | undefined {
  return event.tags.find((t) => t[0] === name);
}

/** The JobError a job failed with (the test fails if it succeeded or threw anything else). */
export function failure(promise: Promise<unknown>): Promise<JobError> {
  return rejection(promise, JobError);
}
