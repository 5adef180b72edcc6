// The thousand-provider section of docs/benchmarks.md (lab/bench/thousand.ts's JSON → tables and targets).
import { num, table } from "./format.mjs";

const pct = (v) => `${num(v * 100, 1)}%`;
const x = (v, d = 2) => `${num(v, d)}×`;

/** Ecash operations (not key reads) a run cost the mint: at dispatch and at its close. */
const ecashOps = (r) => (r ? r.dispatch.mintOps.ecash + r.close.mintOps.ecash : Number.NaN);

/** Events each Pylon relay took in and sent out per sub-call, and its CPU per event taken in (dispatch only). */
function relayPerSubcall(r) {
  const pylon = r.dispatch.relays.filter((x) => x.eventsReceived !== undefined);
  const n = Math.max(1, pylon.length);
  const events = pylon.reduce((a, x) => a + x.eventsReceived, 0);
  return {
    eventsIn: events / n / r.subcalls,
    eventsOut: pylon.reduce((a, x) => a + x.eventsSent, 0) / n / r.subcalls,
    cpuUsPerEvent: events > 0 ? (pylon.reduce((a, x) => a + x.cpuMs, 0) * 1000) / events : Number.NaN,
    bytesPerMessage: pylon.length
      ? pylon.reduce((a, x) => a + x.bytesPerMessage, 0) / pylon.length
      : Number.NaN,
  };
}

/**
 * Mint ecash operations per provider used: opening (the cold run), the tabs-open run, and settlement (the
 * warm run's close where it settled; else the tiers phase's, per provider, which settles its tabs).
 */
function mintPerProvider(p, d) {
  if (!p?.cold || !p.warm) return undefined;
  const used = Math.max(1, p.cold.providersUsed);
  const opening = ecashOps(p.cold) / used;
  const warm = p.warm.dispatch.mintOps.ecash / used;
  const settlement =
    p.settled !== false
      ? p.warm.close.mintOps.ecash / Math.max(1, p.warm.providersUsed)
      : d.tiers
        ? d.tiers.run.close.mintOps.ecash / Math.max(1, d.tiers.run.providersUsed)
        : Number.NaN;
  return {
    opening,
    warm,
    settlement,
    total: opening + warm + settlement,
    from: p.settled !== false ? "" : " (settlement: the tiers phase's)",
  };
}

/** Seconds to every provider live, or how many were live when the run began without them all. */
const discovered = (p) =>
  p.cold.discoveryAllMs !== undefined
    ? `${num(p.cold.discoveryAllMs / 1000, 2)} s`
    : `${num(p.cold.live ?? Number.NaN)} live after ${num((p.cold.discoveryMs + 5_000) / 1000, 1)} s`;

function thousandTargets(d, t) {
  const m = d.main;
  const e = d.eight;
  const n = (p) => num(p?.providers ?? d.options?.providers);
  const add = (figure, target, measured, met) => t.add("thousand", figure, target, measured, met);
  add(
    `discovery: all ${n(m)} providers live`,
    "< 5 s",
    m ? discovered(m) : "—",
    m ? m.cold.discoveryAllMs !== undefined && m.cold.discoveryAllMs < 5_000 : undefined,
  );
  for (const [p, label] of [
    [m, `${num(m?.cold.subcalls ?? d.options?.subcalls)} sub-calls over ${n(m)} providers`],
    [e, `${num(e?.cold.subcalls ?? d.options?.["eight-subcalls"])} sub-calls over ${n(e)} providers`],
  ]) {
    add(
      `${label} from cold: jobs/s`,
      "≥ 1,000/s",
      p ? `${num(p.cold.jobsPerSec, 1)}/s` : "—",
      p ? p.cold.jobsPerSec >= 1_000 : undefined,
    );
    add(
      `${label}: cold / tabs open`,
      "≥ 0.8",
      p ? num(p.coldToWarm, 2) : "—",
      p ? p.coldToWarm >= 0.8 : undefined,
    );
  }
  const s = d.speedup;
  add(
    `speed-up, ${num(s?.subcalls ?? 1_000)} × ${s?.latencyMs ?? 200} ms over ${s?.places ?? 50} places of one slot each (${s?.places ?? 50} tabs to open) from cold`,
    // The 45× at 50 places: 90% of the ideal, which is the number of places.
    `≥ ${num(0.9 * (s?.idealSpeedup ?? 50))}×`,
    s ? x(s.speedup, 1) : "—",
    s ? s.speedup >= 0.9 * s.idealSpeedup : undefined,
  );
  const g = d.stragglers;
  add(
    `${g ? pct(g.share) : "5%"} stragglers at ${g?.factor ?? 10}×, hedging on: p99 / p50 sub-call latency`,
    "≤ 2.5",
    g ? x(g.p99ToP50, 2) : "—",
    g ? g.p99ToP50 <= 2.5 : undefined,
  );
  // Either rule may meet it; the even spread is the one built for it (SwarmOptions.spread).
  const spreads = [m?.spread?.maxToMean, m?.even?.spread?.maxToMean].filter(Number.isFinite);
  add(
    `load spread at equal prices (${n(m)} providers): max / mean jobs, finish rule (even spread)`,
    "≤ 2",
    Number.isFinite(m?.spread?.maxToMean)
      ? `${num(m.spread.maxToMean, 2)} (${num(m.even?.spread?.maxToMean ?? Number.NaN, 2)})`
      : "—",
    spreads.length > 0 ? Math.min(...spreads) <= 2 : undefined,
  );
  const tiers = d.tiers;
  add(
    "two price tiers: jobs to the cheaper one",
    "≥ 90%",
    tiers ? pct(tiers.cheapShare) : "—",
    tiers ? tiers.cheapShare >= 0.9 : undefined,
  );
  // Jobs per provider differ ~12× between the two crowds: per-provider operations that stay level do not grow with jobs.
  const big = mintPerProvider(m, d)?.total ?? Number.NaN;
  const small = mintPerProvider(e, d)?.total ?? Number.NaN;
  add(
    `mint operations per provider per run, ${n(m)} / ${n(e)} providers`,
    "grow with providers, not jobs",
    `${num(big, 2)} / ${num(small, 2)}`,
    Number.isFinite(big) && Number.isFinite(small) ? small <= 2 * big : undefined,
  );
  add("buyer peak RSS during the bench", "≤ 500 MB", `${num(d.buyerPeakRssMb)} MB`, d.buyerPeakRssMb <= 500);
}

/** The thousand-provider benchmark (lab/bench/thousand.ts): its runs, figures and targets. */
export function thousandSection(d, t) {
  thousandTargets(d, t);
  const parts = [];
  const m = d.main;
  const run = (label, r) =>
    r
      ? [
          label,
          `${num(r.answered)}/${num(r.subcalls)}`,
          num(r.wallSec, 2),
          `**${num(r.jobsPerSec, 1)}**`,
          `${num(r.latencyP50Ms)} / ${num(r.latencyP99Ms)}`,
          num(r.providersUsed),
          num(r.checkJobs),
          num(r.depositSwaps),
          num(r.closeSec, 1),
        ]
      : [label, "—", "—", "—", "—", "—", "—", "—", "—"];
  const rows = [];
  for (const [p, name] of [
    [d.main, `${num(d.main?.providers ?? d.options.providers)} providers`],
    [d.eight, `${num(d.eight?.providers ?? d.options.eight)} providers`],
  ]) {
    rows.push(run(`${name}, cold (fresh buyer key)`, p?.cold));
    rows.push(run(`${name}, tabs open (same buyer)`, p?.warm));
    if (p?.even) rows.push(run(`${name}, cold, even spread (a third buyer)`, p.even));
  }
  if (m)
    parts.push(
      `${num(m.providers)} provider identities in ${m.packs} processes (${num(m.providers / m.packs)} each; crowd up in ${num(m.startMs / 1000, 1)} s), each with its own key, data dir, announcement, heartbeat, intake subscription and tab book, on two Pylon relays and the foreign one (20% of providers on two); instant scripted backends, ${m.slots} slots + ${m.queue} queue; the mint and every relay in its own process. The ${num(d.eight?.providers ?? 8)}-provider crowd runs each provider in its own process (as \`swarm-fanout\`), after an unmeasured warm-up. Cold: a fresh buyer key, so every tab is opened inside the run (deposits of one denomination: ${num(m.depositSats)} sats per tab); tabs open: the same buyer again, its tabs kept by the cold run. Hedging off; spot checks at the swarm's default (a fresh book each run, so every provider is a stranger), their jobs counted apart.`,
    );
  parts.push(
    table(
      [
        "run",
        "answered",
        "wall s",
        "jobs/s",
        "sub-call p50 / p99 ms",
        "providers used",
        "spot-check jobs",
        "deposit swaps",
        "close s",
      ],
      rows,
    ),
  );
  const facts = [];
  if (m) {
    const r = relayPerSubcall(m.cold);
    const w = m.warm ? relayPerSubcall(m.warm) : {};
    facts.push([
      `discovery: swarm start → 99% / all ${num(m.providers)} live in its directory`,
      `${num(m.cold.discoveryMs / 1000, 2)} s / ${discovered(m)}`,
    ]);
    facts.push([
      "load spread, cold run: max / mean answered per provider (min, max, providers used)",
      `${num(m.spread.maxToMean, 2)} (${m.spread.min}, ${m.spread.max}, ${num(m.spread.used)})`,
    ]);
    if (m.even)
      facts.push([
        "load spread, cold run with the even spread (SwarmOptions.spread): max / mean (min, max, providers used)",
        `${num(m.even.spread.maxToMean, 2)} (${m.even.spread.min}, ${m.even.spread.max}, ${num(m.even.spread.used)})`,
      ]);
    facts.push([
      "buyer CPU per sub-call, cold / tabs open",
      `${num(m.cold.dispatch.buyerCpuMs / m.cold.subcalls, 3)} / ${num(m.warm ? m.warm.dispatch.buyerCpuMs / m.warm.subcalls : Number.NaN, 3)} ms`,
    ]);
    facts.push([
      "events each Pylon relay took in / sent out per sub-call, cold (tabs open)",
      `${num(r.eventsIn, 3)} / ${num(r.eventsOut, 3)} (${num(w.eventsIn, 3)} / ${num(w.eventsOut, 3)})`,
    ]);
    facts.push([
      "relay CPU per event taken in (all its work: verify, store, fan out), cold",
      `${num(r.cpuUsPerEvent)} µs`,
    ]);
    facts.push(["bytes per message a relay received", num(r.bytesPerMessage)]);
    for (const relay of (m.warm ?? m.cold).close.relays)
      facts.push([`${relay.label} RSS at the end`, `${num(relay.rssMb)} MB`]);
    const ops = (r) =>
      `${num(ecashOps(r))} (${num(r.dispatch.blindSignatures + r.close.blindSignatures)} blind signatures)`;
    facts.push(["mint ecash operations: cold run (opening the tabs)", ops(m.cold)]);
    if (m.warm)
      facts.push([
        `mint ecash operations: tabs-open run${m.settled !== false ? " + settlement of every tab" : " (tabs left open)"}`,
        ops(m.warm),
      ]);
  }
  for (const p of [m, d.eight]) {
    const f = mintPerProvider(p, d);
    if (f)
      facts.push([
        `mint ecash operations per provider used, ${num(p.providers)} providers: opening + tabs-open run + settlement${f.from}`,
        `${num(f.opening, 2)} + ${num(f.warm, 2)} + ${num(f.settlement, 2)} = **${num(f.total, 2)}**`,
      ]);
  }
  if (d.tiers)
    facts.push([
      `two price tiers (×1, ×2; ${d.tiers.providers} providers, the cheaper ${d.tiers.cheapProviders} with room for ${num(d.tiers.cheapCapacity)} jobs at once): share of ${num(d.tiers.run.answered)} jobs to the cheaper`,
      pct(d.tiers.cheapShare),
    ]);
  const s = d.speedup;
  if (s)
    facts.push([
      `speed-up: ${num(s.subcalls)} × ${s.latencyMs} ms over ${s.providers} providers × ${s.slots} slot(s) = ${s.places} places, from cold (sequential: ${s.sequentialSample} calls, ${num(s.sequentialPerCallMs, 1)} ms each)`,
      `${x(s.speedup, 1)} (${num(s.run.wallSec, 2)} s; ideal ${x(s.idealSpeedup, 0)}, ${num(s.idealParallelSec, 1)} s)`,
    ]);
  const g = d.stragglers;
  if (g)
    facts.push([
      `stragglers: ${num(g.subcalls)} × ${g.latencyMs} ms over ${g.places} places, ${pct(g.share)} at ${g.factor}×, hedging on: p50 / p99 (hedges, won)`,
      `${num(g.p50Ms)} / ${num(g.p99Ms)} ms = ${x(g.p99ToP50, 2)} (${num(g.run.hedges)}, ${num(g.run.hedgeWins)})`,
    ]);
  facts.push(["buyer (this process) peak RSS over the whole bench", `${num(d.buyerPeakRssMb)} MB`]);
  parts.push(table(["figure", "value"], facts, ["l", "r"]));
  for (const [name, error] of Object.entries(d.errors ?? {}))
    parts.push(`_Phase ${name} failed: ${String(error).slice(0, 300)}_`);
  for (const p of [d.main, d.eight])
    for (const r of [p?.cold, p?.warm, p?.even])
      if (r?.closeError)
        parts.push(
          `_Closing ${r.label} (${num(p.providers)} providers) failed: ${r.closeError.slice(0, 300)}_`,
        );
  return parts.join("\n\n");
}
