/**
 * NIP-13 proof of work: a ["nonce", n, target] tag varied until the event id has `target` leading zero bits.
 *
 * Mining hashes the event's serialisation (NIP-01) with only the nonce digits changing. Small targets are
 * mined on the calling thread; larger ones on a worker thread so a daemon's event loop stays responsive.
 * The threshold comes from packages/nostr/bench/pow.ts: see INLINE_MAX_DIFFICULTY.
 */
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";

/** A draft ready for mining: everything that goes into the id. */
export interface PowDraft {
  pubkey: string;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
}

/** The requested difficulty is above the pool's cap (`maxPowDifficulty`). */
export class PowError extends Error {
  readonly code = "pow-too-hard";
  readonly difficulty: number;
  readonly cap: number;

  constructor(difficulty: number, cap: number) {
    super(
      `proof of work of difficulty ${difficulty} asked for, above the cap of ${cap} (maxPowDifficulty): ` +
        "this relay asks for more work than this client will do",
    );
    this.name = "PowError";
    this.difficulty = difficulty;
    this.cap = cap;
  }
}

/**
 * Up to this difficulty, mining on the calling thread is cheaper than a worker round trip: measured with
 * bench/pow.ts, difficulty 10 averages ~1 ms of hashing (≈1,000 hashes of a short event) while a message
 * to an already running worker and back costs ~0.1-0.3 ms and starting one ~30 ms. Past 10 the expected
 * main-thread stall grows past a few milliseconds, so it moves off-thread.
 */
export const INLINE_MAX_DIFFICULTY = 10;

/** Leading zero bits of a lowercase hex string (an event id). */
export function countLeadingZeroBits(hex: string): number {
  let bits = 0;
  for (let i = 0; i < hex.length; i++) {
    const nibble = Number.parseInt(hex[i] as string, 16);
    if (nibble === 0) {
      bits += 4;
      continue;
    }
    return bits + Math.clz32(nibble) - 28;
  }
  return bits;
}

/** The serialisation around the nonce's digits: id = sha256(head + nonce + tail). */
function split(draft: PowDraft, difficulty: number): { head: string; tail: string; tags: string[][] } {
  const tags = draft.tags.filter((tag) => tag[0] !== "nonce");
  const before = tags.map((tag) => JSON.stringify(tag)).join(",");
  const head = `[0,${JSON.stringify(draft.pubkey)},${draft.created_at},${draft.kind},[${before}${before ? "," : ""}["nonce","`;
  const tail = `","${difficulty}"]],${JSON.stringify(draft.content)}]`;
  return { head, tail, tags };
}

/**
 * The loop itself, self-contained (its source is also the worker's): the first nonce from `from` whose hash
 * has `difficulty` leading zero bits. Counts bits on the digest bytes, not on hex.
 */
function mineNonce(
  hash: (text: string) => Uint8Array,
  head: string,
  tail: string,
  difficulty: number,
  from: number,
): number {
  const fullBytes = difficulty >> 3;
  const mask = (0xff00 >> (difficulty & 7)) & 0xff;
  for (let nonce = from; ; nonce++) {
    const digest = hash(head + nonce + tail);
    let ok = true;
    for (let i = 0; i < fullBytes; i++) {
      if (digest[i] !== 0) {
        ok = false;
        break;
      }
    }
    if (ok && (mask === 0 || ((digest[fullBytes] as number) & mask) === 0)) return nonce;
  }
}

const sha256 = (text: string): Uint8Array => createHash("sha256").update(text).digest();

/** The draft with a nonce tag that gives its id `difficulty` leading zero bits, mined on this thread. */
export function minePow<T extends PowDraft>(draft: T, difficulty: number): T {
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > 256) {
    throw new RangeError(`difficulty must be an integer from 0 to 256, got ${difficulty}`);
  }
  if (difficulty === 0) return draft;
  const { head, tail, tags } = split(draft, difficulty);
  const nonce = mineNonce(sha256, head, tail, difficulty, 0);
  return { ...draft, tags: [...tags, ["nonce", String(nonce), String(difficulty)]] };
}

/** minePow, off the calling thread when the difficulty is above INLINE_MAX_DIFFICULTY. */
export async function minePowAsync<T extends PowDraft>(draft: T, difficulty: number): Promise<T> {
  if (difficulty <= INLINE_MAX_DIFFICULTY) return minePow(draft, difficulty);
  const { head, tail, tags } = split(draft, difficulty);
  const nonce = await powWorker().mine(head, tail, difficulty);
  return { ...draft, tags: [...tags, ["nonce", String(nonce), String(difficulty)]] };
}

// One worker for the process, started on first use and unreferenced so it never holds the process open.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const hash = (text) => createHash("sha256").update(text).digest();
const mineNonce = ${mineNonce.toString()};
parentPort.on("message", ({ id, head, tail, difficulty }) => {
  parentPort.postMessage({ id, nonce: mineNonce(hash, head, tail, difficulty, 0) });
});
`;

interface PowWorker {
  mine(head: string, tail: string, difficulty: number): Promise<number>;
}

let shared: PowWorker | undefined;

function powWorker(): PowWorker {
  if (shared) return shared;
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  worker.unref();
  const waiting = new Map<number, { resolve: (n: number) => void; reject: (err: Error) => void }>();
  let nextId = 0;
  const fail = (err: Error): void => {
    shared = undefined; // the next call starts a fresh one
    for (const pending of waiting.values()) pending.reject(err);
    waiting.clear();
  };
  worker.on("message", ({ id, nonce }: { id: number; nonce: number }) => {
    waiting.get(id)?.resolve(nonce);
    waiting.delete(id);
    if (waiting.size === 0) worker.unref();
  });
  worker.on("error", (err) => fail(err));
  worker.on("exit", (code) => fail(new Error(`proof-of-work worker exited (code ${code})`)));
  shared = {
    mine: (head, tail, difficulty) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        worker.ref(); // a caller is waiting: keep the process alive until it is answered
        worker.postMessage({ id, head, tail, difficulty });
      }),
  };
  return shared;
}
