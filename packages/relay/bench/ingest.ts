/**
 * Relay benchmark: verification limit, WebSocket ingest throughput, REQ→EOSE latency over 100k events.
 *
 *   npm run bench -w packages/relay [-- --json FILE]      (tsx bench/ingest.ts)
 *
 * Prints a markdown table; with --json also writes the figures as JSON.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { benchArgs, percentile, writeBenchJson } from "@pylon/testkit/bench";
import WebSocket from "ws";
import type { NostrEvent } from "../src/event.js";
import { startRelay } from "../src/relay.js";
import { createVerifier } from "../src/verifier.js";
import { buildSyntheticStore, rng, type SyntheticStore, signedNotes } from "./fixtures.js";

const WARM_UP_EVENTS = 500;
const WIRE_EVENTS = 10_000 + WARM_UP_EVENTS;
const WIRE_EVENTS_JS = 2_000 + WARM_UP_EVENTS;
const STORE_EVENTS = 100_000;
const QUERIES_PER_KIND = 250;
const CLIENT_CONNECTIONS = 4;
const WINDOW_PER_CONNECTION = 200;

/**
 * (a) How many verifications per second one core does, in-process. The events were JSON-parsed, so no
 * cached "verified" flag exists; best of three rounds, as the limit is what an undisturbed core does.
 */
async function verificationLimit(events: NostrEvent[], backend: "wasm" | "js", count: number) {
  const verifier = await createVerifier(backend);
  const sample = events.slice(0, count);
  for (const e of sample.slice(0, 50)) verifier.verify(e); // warm up
  let seconds = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    let valid = 0;
    for (const e of sample) if (verifier.verify(e)) valid++;
    seconds = Math.min(seconds, (performance.now() - started) / 1000);
    if (valid !== sample.length)
      throw new Error(`${backend}: ${sample.length - valid} genuine events failed`);
  }
  return {
    backend,
    events: sample.length,
    perSecond: sample.length / seconds,
    msPerEvent: (seconds * 1000) / sample.length,
  };
}

/** What bench/load-worker.mjs is given and answers. */
interface LoadJob {
  url: string;
  /** Pre-serialised `["EVENT", {...}]` messages. */
  messages: string[];
  connections: number;
  window: number;
}

interface LoadResult {
  elapsedMs: number;
  accepted: number;
  refused: number;
  firstRefusal?: string;
}

function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./load-worker.mjs", import.meta.url), { workerData: job });
    worker.once("message", (m: LoadResult | { error: string }) => {
      void worker.terminate();
      if ("error" in m) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once("error", reject);
  });
}

/** (b) Pre-signed events pushed over WebSockets from several connections into a relay on a file db. */
async function ingest(events: NostrEvent[], backend: "wasm" | "js", verifyThreads: number, dir: string) {
  const db = join(dir, `ingest-${backend}-${verifyThreads}.db`);
  const relay = await startRelay({
    db,
    verifier: backend,
    verifyThreads,
    limits: { eventsPerSecond: 1e9, eventBurst: 1e9 },
  });
  try {
    const messages = events.slice(WARM_UP_EVENTS).map((e) => JSON.stringify(["EVENT", e]));
    // Untimed warm-up: lets the relay start its verification workers (they start on demand) and JIT.
    await runLoad({
      url: relay.url,
      messages: events.slice(0, WARM_UP_EVENTS).map((e) => JSON.stringify(["EVENT", e])),
      connections: CLIENT_CONNECTIONS,
      window: WINDOW_PER_CONNECTION,
    });
    const result = await runLoad({
      url: relay.url,
      messages,
      connections: CLIENT_CONNECTIONS,
      window: WINDOW_PER_CONNECTION,
    });
    if (result.refused > 0) throw new Error(`${result.refused} events refused, e.g. ${result.firstRefusal}`);
    const stored = relay.metrics().events.stored;
    if (stored !== events.length) throw new Error(`stored ${stored} of ${events.length}`);
    return {
      backend,
      verifyThreads,
      events: messages.length,
      connections: CLIENT_CONNECTIONS,
      seconds: result.elapsedMs / 1000,
      perSecond: messages.length / (result.elapsedMs / 1000),
    };
  } finally {
    await relay.close();
  }
}

type QueryKind = "author" | "kind+since" | "#e tag" | "ids";

function makeQueries(store: SyntheticStore): { kind: QueryKind; filter: Record<string, unknown> }[] {
  const random = rng(99);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)] as T;
  const prolific = store.authors.slice(0, 200);
  const queries: { kind: QueryKind; filter: Record<string, unknown> }[] = [];
  for (let i = 0; i < QUERIES_PER_KIND; i++) {
    queries.push({ kind: "author", filter: { authors: [pick(prolific)], limit: 100 } });
    queries.push({
      kind: "kind+since",
      filter: {
        kinds: [pick([1, 7, 5050, 6050, 7000])],
        since: store.newest - Math.floor(random() * 3 * 86_400),
        limit: 100,
      },
    });
    queries.push({ kind: "#e tag", filter: { "#e": [pick(store.popular)], limit: 500 } });
    queries.push({ kind: "ids", filter: { ids: Array.from({ length: 10 }, () => pick(store.ids)) } });
  }
  return queries;
}

/** (c) REQ→EOSE round trips, one at a time, from one client connection. */
async function reqLatency(db: string, store: SyntheticStore, backend: "wasm" | "js") {
  const relay = await startRelay({ db, verifier: backend, limits: { reqsPerSecond: 1e9, reqBurst: 1e9 } });
  const ws = new WebSocket(relay.url);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  try {
    const queries = makeQueries(store);
    const samples = new Map<QueryKind, number[]>();
    let results = 0;
    let n = 0;
    for (const { kind, filter } of queries) {
      const subId = `q${n++}`;
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        const onMessage = (data: WebSocket.RawData) => {
          const text = data.toString();
          if (text.startsWith('["EVENT"')) results++;
          else if (text.startsWith('["EOSE"') || text.startsWith('["CLOSED"')) {
            ws.off("message", onMessage);
            if (text.startsWith('["CLOSED"')) reject(new Error(text));
            else resolve();
          }
        };
        ws.on("message", onMessage);
        ws.send(JSON.stringify(["REQ", subId, filter]));
      });
      const elapsed = performance.now() - started;
      ws.send(JSON.stringify(["CLOSE", subId]));
      const list = samples.get(kind) ?? [];
      list.push(elapsed);
      samples.set(kind, list);
    }
    const all = [...samples.values()].flat();
    const rows = [...samples.entries()].map(([kind, list]) => ({
      kind,
      queries: list.length,
      p50: percentile(list, 0.5),
      p99: percentile(list, 0.99),
    }));
    return {
      backend,
      queries: all.length,
      eventsReturned: results,
      p50: percentile(all, 0.5),
      p99: percentile(all, 0.99),
      byFilter: rows,
    };
  } finally {
    ws.close();
    await relay.close();
  }
}

async function main(): Promise<void> {
  const { json } = benchArgs({});
  const benchStarted = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "pylon-relay-bench-"));
  const machine = {
    cpus: availableParallelism(),
    node: process.version,
    loadavg: loadavg().map((l) => +l.toFixed(2)),
  };
  console.error(`machine: ${machine.cpus} cpus, node ${machine.node}, load ${machine.loadavg.join(" ")}`);
  try {
    console.error(`signing ${WIRE_EVENTS} events with nostr-wasm…`);
    const events = await signedNotes(WIRE_EVENTS, 50, 1);

    console.error("(a) single-core verification limit…");
    const limitWasm = await verificationLimit(events, "wasm", 2_000);
    const limitJs = await verificationLimit(events, "js", 300);

    console.error("(b) ingest over WebSockets…");
    const ingestRuns = [];
    for (const [backend, threads] of [
      ["wasm", 0],
      ["wasm", 1],
      ["wasm", 2],
      ["js", 1],
      ["js", 2],
    ] as const) {
      const sample = backend === "wasm" ? events : events.slice(0, WIRE_EVENTS_JS);
      const run = await ingest(sample, backend, threads, dir);
      console.error(`  ${backend} threads=${threads}: ${run.perSecond.toFixed(0)} events/s`);
      ingestRuns.push({ ...run, ratioToWasmCore: run.perSecond / limitWasm.perSecond });
    }

    console.error(`(c) building a ${STORE_EVENTS}-event store through the storage layer…`);
    const storeDb = join(dir, "store.db");
    const store = buildSyntheticStore(storeDb, STORE_EVENTS, 7);
    const latency = [];
    for (const backend of ["wasm", "js"] as const) latency.push(await reqLatency(storeDb, store, backend));

    const report = {
      machine,
      verificationLimit: { wasm: limitWasm, js: limitJs },
      ingest: ingestRuns,
      reqLatency: { storeEvents: STORE_EVENTS, storeInsertMs: store.insertMs, runs: latency },
      totalSeconds: (performance.now() - benchStarted) / 1000,
    };
    printMarkdown(report);
    writeBenchJson(json, report);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printMarkdown(report: {
  machine: { cpus: number; node: string; loadavg: number[] };
  verificationLimit: Record<string, { events: number; perSecond: number; msPerEvent: number }>;
  ingest: {
    backend: string;
    verifyThreads: number;
    events: number;
    perSecond: number;
    ratioToWasmCore: number;
  }[];
  reqLatency: {
    storeEvents: number;
    storeInsertMs: number;
    runs: {
      backend: string;
      queries: number;
      p50: number;
      p99: number;
      byFilter: { kind: string; p50: number; p99: number }[];
    }[];
  };
  totalSeconds: number;
}): void {
  const f = (n: number, digits = 0) => n.toFixed(digits);
  const lines = [
    `## @pylon/relay benchmark (${report.machine.cpus} CPUs, Node ${report.machine.node}, load at start ${report.machine.loadavg.join(" ")})`,
    "",
    "### (a) Single-core verification limit (in-process, JSON-parsed events, best of 3 rounds)",
    "",
    "| backend | events | verifications/s | ms/event |",
    "|---|---:|---:|---:|",
    ...Object.entries(report.verificationLimit).map(
      ([backend, r]) => `| ${backend} | ${r.events} | ${f(r.perSecond)} | ${f(r.msPerEvent, 3)} |`,
    ),
    "",
    `### (b) Ingest over WebSockets (${CLIENT_CONNECTIONS} client connections in a worker thread, file db, every OK awaited, after ${WARM_UP_EVENTS} warm-up events)`,
    "",
    "| verifier | verify threads | events | events/s | ratio to 1-core wasm limit |",
    "|---|---:|---:|---:|---:|",
    ...report.ingest.map(
      (r) =>
        `| ${r.backend} | ${r.verifyThreads} | ${r.events} | ${f(r.perSecond)} | ${f(r.ratioToWasmCore, 2)} |`,
    ),
    "",
    `### (c) REQ→EOSE latency, store of ${report.reqLatency.storeEvents} events (bulk-inserted through the storage layer in ${f(report.reqLatency.storeInsertMs)} ms, placeholder signatures)`,
    "",
    "| verifier | filter | queries | p50 ms | p99 ms |",
    "|---|---|---:|---:|---:|",
    ...report.reqLatency.runs.flatMap((run) => [
      ...run.byFilter.map(
        (b) => `| ${run.backend} | ${b.kind} | ${QUERIES_PER_KIND} | ${f(b.p50, 2)} | ${f(b.p99, 2)} |`,
      ),
      `| ${run.backend} | **all** | ${run.queries} | ${f(run.p50, 2)} | ${f(run.p99, 2)} |`,
    ]),
    "",
    `Total bench time ${f(report.totalSeconds, 1)} s.`,
  ];
  console.log(lines.join("\n"));
}

await main();
