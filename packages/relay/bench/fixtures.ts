/**
 * Benchmark data: genuinely signed events for the wire, and a large synthetic store written straight
 * through the storage layer (its signatures are placeholders: the store trusts its caller, and signing
 * 100,000 events would take most of the time budget).
 */
import { initNostrWasm } from "nostr-wasm";
import type { NostrEvent } from "../src/event.js";
import { EventStore, type StorableEvent } from "../src/store/event-store.js";

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WORDS = "the relay stores signed events and serves them to clients over websockets quickly".split(" ");

function sentence(random: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ");
}

function randomHex(random: () => number, bytes: number): string {
  let out = "";
  for (let i = 0; i < bytes; i++)
    out += Math.floor(random() * 256)
      .toString(16)
      .padStart(2, "0");
  return out;
}

/** Signs `count` kind-1 notes from `authors` keys with nostr-wasm; returns them as JSON-parsed objects. */
export async function signedNotes(count: number, authors: number, seed: number): Promise<NostrEvent[]> {
  const wasm = await initNostrWasm();
  const random = rng(seed);
  const keys = Array.from({ length: authors }, () => wasm.generateSecretKey());
  const base = Math.floor(Date.now() / 1000) - 3_600;
  const events: NostrEvent[] = [];
  for (let i = 0; i < count; i++) {
    const event = {
      kind: 1,
      created_at: base + Math.floor(i / 10),
      tags: [
        ["t", "pylon"],
        ["p", randomHex(random, 32)],
      ],
      content: sentence(random, 8 + Math.floor(random() * 24)),
    } as NostrEvent;
    wasm.finalizeEvent(event, keys[i % authors] as Uint8Array);
    events.push(JSON.parse(JSON.stringify(event)) as NostrEvent);
  }
  return events;
}

export interface SyntheticStore {
  ids: string[];
  authors: string[];
  /** Events that many others reference with `e` tags (thread roots, job requests). */
  popular: string[];
  oldest: number;
  newest: number;
  insertMs: number;
}

/**
 * Writes `count` events shaped like a busy market relay: notes, reactions and replies referencing
 * earlier events, NIP-90 job requests / results / feedback, and some replaceable profiles.
 */
export function buildSyntheticStore(path: string, count: number, seed: number): SyntheticStore {
  const random = rng(seed);
  const authors = Array.from({ length: 2_000 }, () => randomHex(random, 32));
  const newest = Math.floor(Date.now() / 1000) - 60;
  const oldest = newest - 30 * 86_400;
  const ids: string[] = [];
  const popular: string[] = [];
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)] as T;
  // Skewed towards a few prolific authors, as on real relays.
  const author = () => authors[Math.floor(authors.length * random() ** 3)] as string;
  const reference = () =>
    popular.length > 0 && random() < 0.5
      ? pick(popular)
      : (ids[Math.floor(ids.length * (1 - random() ** 4))] ?? "");

  const store = new EventStore(path);
  const started = performance.now();
  const batch: StorableEvent[] = [];
  for (let i = 0; i < count; i++) {
    const created_at = oldest + Math.floor(((newest - oldest) * i) / count);
    const roll = random();
    let kind = 1;
    let tags: string[][] = [];
    if (roll < 0.55 || ids.length === 0) {
      kind = 1;
      tags =
        random() < 0.3 && ids.length > 0
          ? [
              ["e", reference()],
              ["p", author()],
            ]
          : [["t", "nostr"]];
    } else if (roll < 0.75) {
      kind = 7;
      tags = [
        ["e", reference()],
        ["p", author()],
      ];
    } else if (roll < 0.85) {
      kind = 5050;
      tags = [
        ["i", sentence(random, 6), "text"],
        ["param", "model", "tiny"],
        ["output", "text/plain"],
        ["p", author()],
      ];
    } else if (roll < 0.92) {
      kind = 6050;
      tags = [
        ["e", reference()],
        ["p", author()],
        ["amount", "1000"],
      ];
    } else if (roll < 0.97) {
      kind = 7000;
      tags = [
        ["e", reference()],
        ["p", author()],
        ["status", "processing"],
      ];
    } else {
      kind = pick([0, 3, 31_990]);
      tags =
        kind === 31_990
          ? [
              ["d", randomHex(random, 4)],
              ["k", "5050"],
            ]
          : [];
    }
    const event: NostrEvent = {
      id: randomHex(random, 32),
      pubkey: author(),
      created_at,
      kind,
      tags,
      content: kind === 7 ? "+" : sentence(random, 5 + Math.floor(random() * 30)),
      sig: randomHex(random, 64),
    };
    ids.push(event.id);
    if ((kind === 1 || kind === 5050) && random() < 0.01) popular.push(event.id);
    batch.push({ event, raw: JSON.stringify(event) });
    if (batch.length === 5_000) store.insertBatch(batch.splice(0));
  }
  store.insertBatch(batch.splice(0));
  const insertMs = performance.now() - started;
  store.close();
  return { ids, authors, popular, oldest, newest, insertMs };
}
