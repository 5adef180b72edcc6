/**
 * Signature verification off the relay's thread.
 *
 * Verification is by far the costliest step of ingest (~0.4 ms per event with nostr-wasm, ~2 ms in pure
 * JS), so under load it runs on worker threads while the relay's own thread parses, stores and fans out.
 * Batches of canonical event JSON go to the least busy worker and come back as one byte per event.
 *
 * Workers start on demand, the first time a batch of `SPAWN_BATCH` or more events arrives: a relay that
 * only sees a trickle (tests, a local market) never pays their start-up (~0.2 s of CPU each). Until they
 * are ready, and whenever none is alive, verification runs on the calling thread, so a crashed or slow
 * worker costs throughput, never correctness or availability.
 *
 * The worker is an inline script (not a file of this package) so it runs identically from src/ under
 * vitest and from dist/; it loads the verifier modules by absolute path resolved here.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { NostrEvent } from "./event.js";
import { createVerifier, type SignatureVerifier } from "./verifier.js";

export interface VerifyPool {
  /** Worker threads this pool may use (0: always on the calling thread). */
  readonly threads: number;
  /** One result per input, in order: true when the event's id and signature are valid. Never rejects. */
  verify(raws: readonly string[]): Promise<boolean[]>;
  /** Starts the workers now (if not yet) and resolves when they are ready or have failed to start. */
  warmUp(): Promise<void>;
  /** Workers alive now, and how many events were verified on this thread and on workers so far. */
  stats(): VerifyStats;
  close(): Promise<void>;
}

export interface VerifyStats {
  workersRunning: number;
  verifiedInline: number;
  verifiedOnWorkers: number;
}

/** A batch at least this large means real load: time to start the workers. */
export const SPAWN_BATCH = 16;

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
async function load() {
  if (workerData.backend === "wasm") {
    const wasm = await (await import(workerData.wasmUrl)).initNostrWasm();
    return (e) => { try { wasm.verifyEvent(e); return true; } catch { return false; } };
  }
  const pure = require(workerData.purePath);
  return (e) => { try { return pure.verifyEvent(e); } catch { return false; } };
}
load().then((verify) => {
  parentPort.on("message", ({ id, raws }) => {
    const results = new Uint8Array(raws.length);
    for (let i = 0; i < raws.length; i++) {
      try { results[i] = verify(JSON.parse(raws[i])) ? 1 : 0; } catch { results[i] = 0; }
    }
    parentPort.postMessage({ id, results }, [results.buffer]);
  });
  parentPort.postMessage({ ready: true });
}, (err) => parentPort.postMessage({ failed: String(err && err.stack || err) }));
`;

interface PendingBatch {
  raws: readonly string[];
  resolve: (results: boolean[]) => void;
}

interface WorkerHandle {
  worker: Worker;
  pending: Map<number, PendingBatch>;
  inFlightEvents: number;
}

function verifyInline(verifier: SignatureVerifier, raws: readonly string[]): boolean[] {
  return raws.map((raw) => {
    try {
      return verifier.verify(JSON.parse(raw) as NostrEvent);
    } catch {
      return false;
    }
  });
}

export async function createVerifyPool(
  backend: "wasm" | "js",
  threads: number,
  log: (line: string) => void = () => {},
): Promise<VerifyPool> {
  const inline = await createVerifier(backend);
  const require = createRequire(import.meta.url);
  const workerData = {
    backend,
    wasmUrl: pathToFileURL(require.resolve("nostr-wasm")).href,
    purePath: require.resolve("nostr-tools/pure"),
  };
  const live: WorkerHandle[] = [];
  const all: WorkerHandle[] = [];
  let starting: Promise<void> | undefined;
  let closed = false;
  let nextId = 0;
  const counts = { inline: 0, onWorkers: 0 };

  const retire = (handle: WorkerHandle) => {
    const index = live.indexOf(handle);
    if (index >= 0) live.splice(index, 1);
    // Whatever the worker still held is verified here instead.
    for (const batch of handle.pending.values()) {
      counts.inline += batch.raws.length;
      batch.resolve(verifyInline(inline, batch.raws));
    }
    handle.pending.clear();
    handle.inFlightEvents = 0;
  };

  const startWorker = async (): Promise<void> => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    const handle: WorkerHandle = { worker, pending: new Map(), inFlightEvents: 0 };
    all.push(handle);
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once("error", reject);
        worker.once("message", (m: { ready?: boolean; failed?: string }) => {
          worker.off("error", reject);
          if (m.ready) resolve();
          else reject(new Error(m.failed));
        });
      });
    } catch (err) {
      log(`verification worker failed to start, verifying on the main thread: ${String(err)}`);
      await worker.terminate();
      return;
    }
    if (closed) return;
    worker.on("message", ({ id, results }: { id: number; results: Uint8Array }) => {
      const batch = handle.pending.get(id);
      if (!batch) return;
      handle.pending.delete(id);
      handle.inFlightEvents -= batch.raws.length;
      counts.onWorkers += batch.raws.length;
      batch.resolve(Array.from(results, (r) => r === 1));
    });
    worker.on("error", (err) => {
      log(`verification worker crashed: ${err.message}`);
      retire(handle);
    });
    worker.on("exit", () => retire(handle));
    live.push(handle);
  };

  /** Hands a batch to the least busy live worker (there is at least one). */
  const send = (raws: readonly string[]): Promise<boolean[]> => {
    let target = live[0] as WorkerHandle;
    for (const h of live) if (h.inFlightEvents < target.inFlightEvents) target = h;
    const id = nextId++;
    target.inFlightEvents += raws.length;
    return new Promise((resolve) => {
      target.pending.set(id, { raws, resolve });
      target.worker.postMessage({ id, raws });
    });
  };

  const warmUp = () => {
    if (threads > 0 && !closed)
      starting ??= Promise.all(Array.from({ length: threads }, startWorker)).then(() => {});
    return starting ?? Promise.resolve();
  };

  return {
    threads,
    warmUp,
    stats: () => ({
      workersRunning: live.length,
      verifiedInline: counts.inline,
      verifiedOnWorkers: counts.onWorkers,
    }),
    verify(raws) {
      if (raws.length >= SPAWN_BATCH) void warmUp();
      if (closed || live.length === 0) {
        counts.inline += raws.length;
        return Promise.resolve(verifyInline(inline, raws));
      }
      // A big batch is split so that every worker gets a share of it.
      const parts = raws.length >= 2 * SPAWN_BATCH ? live.length : 1;
      const size = Math.ceil(raws.length / parts);
      const shares: Promise<boolean[]>[] = [];
      for (let start = 0; start < raws.length; start += size)
        shares.push(send(raws.slice(start, start + size)));
      return Promise.all(shares).then((results) => results.flat());
    },
    async close() {
      closed = true;
      await starting;
      live.length = 0;
      await Promise.all(all.map((h) => h.worker.terminate()));
      // Batches still held by workers are finished here, so no caller waits forever.
      for (const h of all) retire(h);
    },
  };
}
