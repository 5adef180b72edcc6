import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NostrEvent } from "nostr-tools/core";
import { generateSecretKey } from "nostr-tools/pure";
import { signEvent } from "../src/sign.js";

/** A fresh signed text note, JSON round-tripped so it carries no cached "verified" flag. */
export function note(secretKey: Uint8Array, content: string, createdAt?: number): NostrEvent {
  const draft = { kind: 1, tags: [["t", "pylon-test"]], content };
  const signed = signEvent(createdAt === undefined ? draft : { ...draft, created_at: createdAt }, secretKey);
  return JSON.parse(JSON.stringify(signed)) as NostrEvent;
}

export function newKey(): Uint8Array {
  return generateSecretKey();
}

/** Polls until `check` returns true; fails with `what` after timeoutMs. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A TCP port that nothing listens on (bound to 127.0.0.1, then released). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "pylon-nostr-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Runs registered cleanups in reverse order (for afterEach). */
export class Cleanup {
  #tasks: (() => unknown)[] = [];

  add(task: () => unknown): void {
    this.#tasks.push(task);
  }

  async run(): Promise<void> {
    const tasks = this.#tasks.reverse();
    this.#tasks = [];
    for (const task of tasks) await task();
  }
}
