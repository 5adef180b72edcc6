// One renderer per benchmark: its JSON (as the bench wrote it) → tables and targets for docs/benchmarks.md.
import { num, Targets, table } from "./format.mjs";
import { thousandSection } from "./section-thousand.mjs";
import { SOAK_SECTIONS } from "./soak-section.mjs";

const pct = (v) => `${num(v * 100, 1)}%`;
const x = (v, d = 2) => `${num(v, d)}×`;

/** @type {Record<string, (d: any, t: Targets) => string>} */
export const SECTIONS = {
  thousand: thousandSection,
  relay(d, t) {
    const cpus = d.machine?.cpus ?? 2;
    const defaultThreads = Math.min(cpus, 4);
    const limit = d.verificationLimit;
    const verify = table(
      ["verifier", "events", "events/s", "ms / event"],
      [
        ["nostr-wasm", num(limit.wasm.events), num(limit.wasm.perSecond), num(limit.wasm.msPerEvent, 3)],
        ["pure JS (noble)", num(limit.js.events), num(limit.js.perSecond), num(limit.js.msPerEvent, 3)],
      ],
    );
    const ingest = table(
      ["verifier", "verify threads", "events", "events/s", "ratio to the 1-core wasm limit"],
      d.ingest.map((r) => {
        const isDefault = r.backend === "wasm" && r.verifyThreads === defaultThreads;
        const b = (s) => (isDefault ? `**${s}**` : s);
        return [
          b(isDefault ? "wasm (default)" : r.backend),
          b(r.verifyThreads === 0 ? "0 (relay thread)" : String(r.verifyThreads)),
          num(r.events),
          b(num(r.perSecond)),
          b(num(r.ratioToWasmCore, 2)),
        ];
      }),
    );
    const latencyRows = [];
    for (const run of d.reqLatency.runs) {
      if (run.backend === "wasm")
        for (const f of run.byFilter) latencyRows.push([run.backend, f.kind, num(f.p50, 2), num(f.p99, 2)]);
      latencyRows.push([run.backend, "**all**", `**${num(run.p50, 2)}**`, `**${num(run.p99, 2)}**`]);
    }
    const latency = table(["verifier", "filter", "p50 ms", "p99 ms"], latencyRows, ["l", "l", "r", "r"]);
    const best =
      d.ingest.find((r) => r.backend === "wasm" && r.verifyThreads === defaultThreads) ?? d.ingest[0];
    t.add(
      "relay",
      "ingest, verified events/s (default relay)",
      "≥ 2,500/s",
      `${num(best.perSecond)}/s`,
      best.perSecond >= 2_500,
    );
    const wasmAll = d.reqLatency.runs.find((r) => r.backend === "wasm");
    t.add(
      "relay",
      `p50 REQ→EOSE over ${num(d.reqLatency.storeEvents)} events`,
      "< 5 ms",
      `${num(wasmAll.p50, 2)} ms`,
      wasmAll.p50 < 5,
    );
    return [
      "(a) Single-core verification limit, in-process:",
      verify,
      `(b) Ingest over WebSockets: ${best.connections} client connections (in a worker thread), file database, every OK awaited.`,
      ingest,
      `(c) REQ → EOSE latency over a store of ${num(d.reqLatency.storeEvents)} events (bulk-inserted through the storage layer with placeholder signatures), ${num(d.reqLatency.runs[0].queries / 4)} queries per filter type:`,
      latency,
    ].join("\n\n");
  },

  nostr(d) {
    const rows = d.operations.map((o) => [
      `${o.operation}, mean`,
      `${num(o.js.meanMs, 2)} ms`,
      `${num(o.wasm.meanMs, 2)} ms`,
      x(o.speedup, 1),
    ]);
    return table(["operation", "pure JS", "nostr-wasm", "speed-up"], rows);
  },

  "nostr-pow"(d) {
    const rows = d.rows.map((r) => [
      String(r.difficulty),
      num(r.expectedHashes),
      `${num(r.meanMs, 1)} ms`,
      `${num(r.p50Ms, 1)} ms`,
      `${num(r.p99Ms, 1)} ms`,
    ]);
    return [
      table(["difficulty", "expected hashes", "mean", "p50", "p99"], rows),
      `${num(d.hashesPerSecond)} hashes/s on one thread. Mining moves to a worker thread above difficulty ` +
        `${d.inlineMaxDifficulty}: there the expected main-thread stall (${num(d.inlineAtThresholdMs, 1)} ms) ` +
        `reaches the cost of a worker round trip (${num(d.workerRoundTripMs, 1)} ms; ${num(d.workerStartMs, 0)} ms ` +
        "to start the worker, once per process).",
    ].join("\n\n");
  },

  inference: inferenceSection,
  "inference-medium-q8": inferenceSection,
  "inference-medium-f32": inferenceSection,
  provider: providerSection,
  "provider-medium-q8": providerSection,
  "provider-medium-f32": providerSection,

  "rlm-context"(d, t) {
    t.add("rlm", "context load, 40 MB string", "< 5,000 ms", `${num(d.loadMs)} ms`, d.loadMs < 5_000);
    t.add(
      "rlm",
      "trivial cell round trip, p50",
      "< 20 ms",
      `${num(d.trivialCellP50Ms, 2)} ms`,
      d.trivialCellP50Ms < 20,
    );
    t.add("rlm", "peak RSS of the REPL process", "< 1,024 MB", `${num(d.peakRssMb)} MB`, d.peakRssMb < 1_024);
    return table(
      ["metric", "value"],
      [
        ["REPL start (sandboxed child process)", `${num(d.startMs)} ms`],
        [`context load, ${num(d.contextBytes / 1e6)} MB string`, `${num(d.loadMs)} ms`],
        ["trivial cell round trip, p50 of 50", `${num(d.trivialCellP50Ms, 2)} ms`],
        ["trivial cell round trip, p95", `${num(d.trivialCellP95Ms, 2)} ms`],
        ["cell scanning the whole context (regex + count)", `${num(d.scanCellMs)} ms`],
        ["peak RSS of the REPL process", `${num(d.peakRssMb)} MB`],
        ["100 × `llm_query`, sequential, 20 ms each", `${num(d.sequentialLlmQueryMs)} ms`],
        ["`llm_batch` of the same 100", `${num(d.llmBatchMs)} ms`],
        ["**`llm_batch` speed-up**", `**${x(d.batchSpeedup, 1)}**`],
      ],
    );
  },

  "rlm-tasks"(d) {
    const g = d.generators;
    const run = d.sniahRun;
    return table(
      ["task generator / run", "value"],
      [
        ["S-NIAH, 10M tokens", `${num(g.sniah.ms)} ms`],
        ["OOLONG, 10M tokens", `${num(g.oolong.ms)} ms`],
        ["OOLONG-Pairs, 10M tokens", `${num(g.pairs.ms)} ms`],
        [
          `scripted S-NIAH at ${num(run.sizeTokens / 1e6)}M tokens, end to end (REPL start included)`,
          `${num(run.endToEndMs)} ms (${run.subcalls} sub-calls, ${run.iterations} root iterations, score ${run.score})`,
        ],
      ],
    );
  },

  wallet(d) {
    return table(
      ["figure", "value"],
      [
        [
          `\`acceptLockedPayment\`, CPU ms per proof (${d.proofsPerToken}-proof token, all offline checks)`,
          num(d.acceptMsPerProof, 1),
        ],
        ["of which the DLEQ check", num(d.dleqMsPerProof, 1)],
        [
          `locked outputs for ${d.providers} providers in ONE swap: wallet CPU ms per output`,
          num(d.oneSwapCpuMsPerOutput, 1),
        ],
        ["one swap per provider instead: wallet CPU ms per output", num(d.swapPerProviderCpuMsPerOutput, 1)],
      ],
    );
  },

  "provider-payments"(d, t) {
    const rows = d.results.map((r) => {
      const b = (s) => (r.mode === "tabs" ? `**${s}**` : s);
      return [
        b(r.mode),
        b(num(r.buyerMintCalls)),
        b(num(r.providerMintCallsDuringJobs)),
        b(num(r.redeemMintCalls)),
        b(num(r.mintCallsPerProvider, 3)),
        b(num(r.buyerCpuMsPerJob, 2)),
        b(`${num(r.providerCpuMsPerJob, 2)} (${num(r.hotPathCpuMsPerJob, 2)})`),
        num(r.wallSec, 1),
      ];
    });
    const tabs = d.results.find((r) => r.mode === "tabs");
    if (tabs) {
      t.add(
        "payments",
        "tabs: buyer payment CPU per job",
        "< 1 ms",
        `${num(tabs.buyerCpuMsPerJob, 2)} ms`,
        tabs.buyerCpuMsPerJob < 1,
      );
      t.add(
        "payments",
        "tabs: provider payment CPU per job (hot path)",
        "< 1 ms",
        `${num(tabs.hotPathCpuMsPerJob, 2)} ms`,
        tabs.hotPathCpuMsPerJob < 1,
      );
      const perProvider = (tabs.providerMintCallsDuringJobs + tabs.redeemMintCalls) / d.providers;
      t.add(
        "payments",
        "tabs: provider mint round trips per provider per run",
        "≤ 1",
        `${num(perProvider, 2)} (buyer: ${tabs.buyerMintCalls} swap for all)`,
        perProvider <= 1,
      );
    }
    return [
      `${num(d.jobs)} jobs to ${d.providers} providers (payment layer only: Nostr and inference bypassed; mint in a child process; the ${d.startupMintCalls} start-up keyset fetches not counted):`,
      table(
        [
          "mode",
          "buyer mint calls",
          "provider mint calls during jobs",
          "redeem calls",
          "mint calls / provider",
          "buyer CPU ms / job",
          "provider CPU ms / job (hot path)",
          "wall s",
        ],
        rows,
      ),
    ].join("\n\n");
  },

  serve(d, t) {
    const o = d.overhead;
    const r = d.throughput;
    t.add(
      "serve",
      "latency `pylon serve` adds over a direct job, p50",
      "≤ 20 ms",
      `${num(o.addedP50Ms, 1)} ms`,
      o.addedP50Ms <= 20,
    );
    return [
      `${d.providers} free provider nodes (scripted, 5 ms a job), the CLI's ModelService and the OpenAI server in one process, the official \`openai\` client over HTTP; \`market/<model>\` requests of ${d.maxTokens} output tokens.`,
      table(
        ["path", "requests", "p50 ms", "p99 ms"],
        [
          [
            "`pylon serve` (openai client → server → swarm)",
            num(o.requests),
            num(o.serverP50Ms, 1),
            num(o.serverP99Ms, 1),
          ],
          ["direct (`swarm.complete`)", num(o.requests), num(o.directP50Ms, 1), num(o.directP99Ms, 1)],
          ...(o.serverAloneP50Ms === undefined
            ? []
            : [
                [
                  "the server alone (openai client → server → an instant service)",
                  num(o.requests),
                  num(o.serverAloneP50Ms, 1),
                  num(o.serverAloneP99Ms, 1),
                ],
              ]),
          [
            "**added** (per interleaved pair)",
            "",
            `**${num(o.addedP50Ms, 1)}**`,
            `**${num(o.addedP99Ms, 1)}**`,
          ],
        ],
        ["l", "r", "r", "r"],
      ),
      table(
        ["clients", "wall s", "answered", "failed", "requests/s", "latency p50 / p99 ms"],
        [
          [
            num(r.concurrency),
            num(r.wallSec, 1),
            num(r.answered),
            num(r.failed),
            `**${num(r.perSecond, 1)}**`,
            `${num(r.latencyP50Ms, 0)} / ${num(r.latencyP99Ms, 0)}`,
          ],
        ],
      ),
    ].join("\n\n");
  },

  "swarm-dispatch"(d, t) {
    const parts = [
      table(
        ["scenario", "answered", "wall", "rate", "latency p95"],
        d.scenarios.map((s) => [
          s.label,
          `${s.answered}/${s.subcalls}`,
          `${num(s.wallSec, 2)} s`,
          `${num(s.perSecond, 1)}/s`,
          `${num(s.latencyP95Ms / 1000, 1)} s`,
        ]),
      ),
    ];
    const selection = d.selection ?? [];
    if (selection.length > 0) {
      parts.push(
        `Selection alone (selection-sim.ts: signed announcements in a real directory and health book, a simulated clock, ${num(selection[0].jobs)} jobs of log-normal latency around 200 ms, slots 4 + queue 4 per provider; µs per pick include the re-ranking each job's start and end causes):`,
        table(
          [
            "providers",
            "scenario",
            "µs / pick",
            "max / mean jobs",
            "providers used",
            "to the cheaper tier",
            "newcomers' share",
          ],
          selection.map((r) => [
            num(r.providers),
            r.scenario,
            `${num(r.pickUs, 1)}, ${num(r.pickMedianUs ?? Number.NaN, 1)}`,
            num(r.maxOverMean, 2),
            num(r.providersUsed),
            pct(r.cheapShare),
            r.newcomerShare === undefined ? "" : x(r.newcomerShare, 2),
          ]),
        ),
      );
      const largest = Math.max(...selection.map((r) => r.providers));
      const equal = selection.find((r) => r.providers === largest && r.scenario === "equal prices");
      const tiers = selection.find((r) => r.providers === largest && r.scenario === "two tiers (x1, x2)");
      if (equal)
        t.add(
          "market",
          `load spread at equal prices, ${num(largest)} providers (max / mean jobs)`,
          "≤ 2",
          num(equal.maxOverMean, 2),
          equal.maxOverMean <= 2,
        );
      if (tiers)
        t.add(
          "market",
          `jobs to the cheaper of two price tiers while it has room, ${num(largest)} providers`,
          "≥ 90%",
          pct(tiers.cheapShare),
          tiers.cheapShare >= 0.9,
        );
    }
    const memory = d.memory ?? [];
    if (memory.length > 0)
      parts.push(
        "The buyer's memory over many sub-calls (4 scripted providers, relay and buyer in one process; heap after a GC):",
        table(
          ["sub-calls", "heap MB", "RSS MB", "sub-calls/s"],
          memory.map((m) => [num(m.subcalls), num(m.heapMb, 1), num(m.rssMb, 1), num(m.perSecond, 0)]),
        ),
      );
    return parts.join("\n\n");
  },

  "swarm-fanout-relays"(d) {
    return [
      `${d.providers} paid providers (each its own process), one \`llm_batch\` of ${num(d.subcalls)} sub-calls from a cold start, each relay in a fresh market in turn (same run, same machine). Strict: Pylon's relay with 16 KB messages, 10 events/s per connection (burst 10), NIP-42 AUTH for reading and writing and NIP-13 proof of work 8, as a paid public relay might be; foreign: @nostr-relay/core on SQLite.`,
      table(
        ["relay", "answered", "wall s", "jobs/s", "to Pylon's relay", "sub-call latency p50 / p99 ms"],
        d.rows.map((r) => [
          r.relay,
          num(r.answered),
          num(r.wallSec, 2),
          num(r.jobsPerSec, 1),
          x(r.ratioToPylon, 2),
          `${num(r.latencyP50Ms, 0)} / ${num(r.latencyP99Ms, 0)}`,
        ]),
      ),
    ].join("\n\n");
  },

  "swarm-fanout"(d, t) {
    for (const r of d.rows) {
      t.add(
        "market",
        `fan-out ${num(r.subcalls)} sub-calls: jobs/s end to end`,
        "≥ 1,000/s",
        `${num(r.jobsPerSec, 1)}/s`,
        r.jobsPerSec >= 1_000,
      );
      t.add(
        "market",
        `fan-out ${num(r.subcalls)}: swarm / in-process wall time`,
        "≤ 3",
        x(r.ratioToInProcess, 0),
        r.ratioToInProcess <= 3,
      );
    }
    if (d.warmTabs)
      t.add(
        "market",
        `fan-out ${num(d.warmTabs.subcalls)}, the buyer's tabs already open: jobs/s`,
        "≥ 1,000/s",
        `${num(d.warmTabs.jobsPerSec, 1)}/s`,
        d.warmTabs.jobsPerSec >= 1_000,
      );
    return [
      `${d.providers} paid providers${d.providerProcesses ? " (each its own process)" : " (in the buyer's process)"} × ${d.slots} slots (+${d.queue} queue places), instant scripted backend, Cashu tabs, local relay and mint, hedging off; after an unmeasured warm-up batch, one \`complete()\` (an \`llm_batch\`) per size, each with a fresh buyer key (so it opens its tabs: one deposit swap). Per-job overhead is the swarm's per-sub-call latency, from the call to its answer (so it includes waiting for a provider with room); the job round trip is publish → answer of each job, from the run store. In-process: the same batch through rlm's \`backendSubcalls\` over the same scripted backend with the same total concurrency.`,
      table(
        [
          "sub-calls",
          "answered",
          "wall s",
          "jobs/s",
          "per-job overhead (sub-call latency) p50 / p99 ms",
          "job round trip p50 / p99 ms",
          "tabs closed after, s",
          "in-process wall s",
          "swarm / in-process",
        ],
        d.rows.map((r) => [
          num(r.subcalls),
          num(r.answered),
          num(r.wallSec, 2),
          `**${num(r.jobsPerSec, 1)}**`,
          `${num(r.latencyP50Ms)} / ${num(r.latencyP99Ms)}`,
          `${num(r.roundTripP50Ms)} / ${num(r.roundTripP99Ms)}`,
          r.closeSec === undefined ? "—" : num(r.closeSec, 2),
          num(r.inProcessWallSec, 3),
          x(r.ratioToInProcess, 0),
        ]),
      ),
      ...(d.warmTabs
        ? [
            `The same ${num(d.warmTabs.subcalls)} sub-calls from a buyer whose tabs are already open (kept by its previous run with \`tabsAtClose: "keep"\`, as a buyer running one RLM after another does): ${num(d.warmTabs.answered)} answered in ${num(d.warmTabs.wallSec, 2)} s, **${num(d.warmTabs.jobsPerSec, 1)} jobs/s**.`,
          ]
        : []),
    ].join("\n\n");
  },

  "swarm-speedup"(d, t) {
    t.add(
      "market",
      `parallel speed-up, ${num(d.subcalls)} × ${d.latencyMs} ms over ${d.places} places, from cold`,
      "≥ 45×",
      x(d.speedup, 1),
      d.speedup >= 45,
    );
    if (d.warmTabsSpeedup !== undefined)
      t.add(
        "market",
        `parallel speed-up, the same with the buyer's tabs already open`,
        "≥ 45×",
        x(d.warmTabsSpeedup, 1),
        d.warmTabsSpeedup >= 45,
      );
    return [
      `${num(d.subcalls)} sub-calls of a fixed ${d.latencyMs} ms (scripted) over ${d.providers} paid providers${d.providerProcesses ? " (each its own process)" : ""} × ${d.slots} slots = ${d.places} places${d.queue ? ` (each node also queues ${d.queue} more, so a freed slot starts its next job at once)` : ""}, against sequential dispatch (one sub-call at a time) through the same market. Sequential is **measured on ${d.sequentialSample} calls and extrapolated** per call to ${num(d.subcalls)} (${num(d.subcalls)} × ${d.latencyMs} ms one at a time would take minutes).`,
      table(
        ["dispatch", "answered", "wall s", "per call ms"],
        [
          [
            `sequential (extrapolated from ${d.sequentialSample})`,
            `${d.sequentialAnswered}/${d.sequentialSample}`,
            num(d.sequentialExtrapolatedSec, 1),
            num(d.sequentialPerCallMs, 1),
          ],
          [
            `parallel (${d.places} places)`,
            `${d.answered}/${d.subcalls}`,
            num(d.parallelSec, 2),
            num((d.parallelSec * 1000) / d.subcalls, 1),
          ],
          ...(d.warmTabsSec === undefined
            ? []
            : [
                [
                  "parallel, the buyer's tabs already open",
                  `${d.warmTabsAnswered}/${d.subcalls}`,
                  num(d.warmTabsSec, 2),
                  num((d.warmTabsSec * 1000) / d.subcalls, 1),
                ],
              ]),
          ["ideal parallel", "", num(d.idealParallelSec, 1), ""],
        ],
      ),
      `Speed-up: **${x(d.speedup, 1)}** from a cold start${d.warmTabsSpeedup === undefined ? "" : `, **${x(d.warmTabsSpeedup, 1)}** with the tabs already open`} (ideal ${x(d.idealSpeedup, 0)}).`,
    ].join("\n\n");
  },

  ...SOAK_SECTIONS,
};

function modelLabel(d) {
  const shape = d.shape ?? d.model?.path?.replace(/^generated:/, "");
  const size = d.model?.bytes ? `, ${num(d.model.bytes / 1e6, 1)} MB` : "";
  return `generated ${shape ?? "model"} GGUF${size}`;
}

function inferenceSection(d, t) {
  const eight = d.rows.find((r) => r.concurrency === 8);
  if (eight)
    t.add(
      "provider",
      `8 concurrent vs single sequence (raw batching bench), ${modelLabel(d)}`,
      "≥ 3×",
      x(eight.ratioToSingle),
      eight.ratioToSingle >= 3,
    );
  return [
    `${modelLabel(d)}, ${d.threads} thread(s), ${d.tokensPerJob} tokens per job, median of ${d.repeats}:`,
    table(
      ["concurrent jobs", "aggregate tok/s", "vs 1 job", "mean first token ms"],
      d.rows.map((r) => [
        num(r.concurrency),
        num(r.tokensPerSecond),
        x(r.ratioToSingle),
        num(r.meanFirstTokenMs, 1),
      ]),
    ),
  ].join("\n\n");
}

function providerSection(d, t) {
  const label = d.model?.startsWith?.("generated:") ? `generated ${d.model.slice(10)} GGUF` : d.model;
  t.add(
    "provider",
    `Nostr path / raw at ${d.rows.map((r) => r.concurrency).join(", ")} concurrent, ${label}`,
    "≥ 0.9",
    d.rows.map((r) => num(r.nostrToRaw, 2)).join(" / "),
    d.rows.every((r) => r.nostrToRaw >= 0.9),
  );
  const eight = d.rows.find((r) => r.concurrency === 8);
  if (eight)
    t.add(
      "provider",
      `8 concurrent vs single sequence (raw, same run), ${label}`,
      "≥ 3×",
      x(eight.rawVsSingle),
      eight.rawVsSingle >= 3,
    );
  const rows = d.rows.map((r) => [
    num(r.concurrency),
    num(r.rawTokensPerSecond),
    num(r.nostrTokensPerSecond),
    num(r.nostrToRaw, 2),
    x(r.rawVsSingle),
    x(r.nostrVsSingle),
  ]);
  return [
    `${label}, ${d.threads} thread(s), ${d.tokensPerJob} tokens per job, median of ${d.repeats}; raw and Nostr runs alternate per level:`,
    table(
      ["concurrent jobs", "raw tok/s", "Nostr path tok/s", "Nostr / raw", "raw vs 1 job", "Nostr vs 1 job"],
      rows,
    ),
  ].join("\n\n");
}
