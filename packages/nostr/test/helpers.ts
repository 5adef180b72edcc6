/**
 * What the nostr suite shares on top of @pylon/testkit: signed notes, keys, and a local relay and pool closed at
 * cleanup. (@pylon/testkit/market's relay helper would pull in the provider, which sits above this package.)
 */
import { type RelayOptions, type RunningRelay, startRelay } from "@pylon/relay";
import type { Cleanup } from "@pylon/testkit";
import type { NostrEvent } from "nostr-tools/core";
import { generateSecretKey } from "nostr-tools/pure";
import { RelayPool, type RelayPoolOptions } from "../src/pool.js";
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

/** The local relay on 127.0.0.1 (a free port and an in-memory store unless `options` say otherwise). */
export async function testRelay(cleanup: Cleanup, options: RelayOptions = {}): Promise<RunningRelay> {
  const relay = await startRelay({ port: 0, host: "127.0.0.1", db: ":memory:", ...options });
  return cleanup.use(relay, (r) => r.close());
}

/** A pool over `urls` that gives up connecting after 2 s unless `options` say otherwise. */
export function testPool(cleanup: Cleanup, urls: string[], options: RelayPoolOptions = {}): RelayPool {
  return cleanup.use(new RelayPool(urls, { connectTimeoutMs: 2_000, ...options }), (p) => p.close());
}
