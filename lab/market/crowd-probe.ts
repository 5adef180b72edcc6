/**
 * A quick look at the crowd (crowd.ts): start time, the buyer's discovery time of every provider, and the
 * RSS of each pack, relay and the mint. Direction only: the benchmark of record is `npm run bench`'s
 * thousand-provider section.
 *
 *   npx tsx lab/market/crowd-probe.ts [--providers 1000] [--per-pack 50] [--relays 3] [--max-wait-s 60]
 *     [--json FILE]
 */
import { benchArgs, fixed, machine, writeBenchJson } from "@pylon/testkit/bench";
import { startCrowd } from "./crowd.js";

const { values, json } = benchArgs({ providers: 1_000, "per-pack": 50, relays: 3, "max-wait-s": 60 });
if (![1, 2, 3].includes(values.relays)) throw new Error(`--relays must be 1, 2 or 3, got ${values.relays}`);

const mb = (bytes: number) => fixed(bytes / 2 ** 20, 0);
const crowd = await startCrowd({
  providers: values.providers,
  perPack: values["per-pack"],
  relays: values.relays as 1 | 2 | 3,
  slots: 4,
  queue: 4,
  latency: { kind: "instant" },
  fundSats: 100,
});
try {
  // Polled here rather than `waitFor` all: a node whose first announcement no relay took (a relay too busy to
  // answer in time) shows up only at its next heartbeat, and the probe reports that instead of failing.
  const began = performance.now();
  const { swarm } = await crowd.swarm({ depositSats: 10, waitFor: 0 });
  const reached: Record<string, number> = {};
  const marks = [0.5, 0.99, 1].map((q) => [q, Math.ceil(q * values.providers)] as const);
  for (let live = 0; performance.now() - began < values["max-wait-s"] * 1000; ) {
    live = swarm.directory.live().length;
    for (const [q, n] of marks) if (live >= n) reached[q] ??= performance.now() - began;
    if (live >= values.providers) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const live = swarm.directory.live().length;
  const discoveryMs = reached[1] ?? Number.NaN;
  await swarm.close();
  const usage = await crowd.usage();
  const packRss = usage.packs.map((p) => p.rss);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  console.log(`| ${values.providers} providers in ${crowd.packs} packs over ${values.relays} relays | |`);
  console.log("| --- | ---: |");
  console.log(`| start (first fork → every pack ready), s | ${fixed(crowd.startMs / 1000, 1)} |`);
  const s = (q: number) => (reached[q] === undefined ? "not reached" : fixed(reached[q] / 1000, 2));
  console.log(`| discovery (swarm start → 50% / 99% / all live), s | ${s(0.5)} / ${s(0.99)} / ${s(1)} |`);
  console.log(`| live at the end | ${live} |`);
  console.log(
    `| packs RSS, MB (total; min–max per pack) | ${mb(sum(packRss))} (${mb(Math.min(...packRss))}–${mb(Math.max(...packRss))}) |`,
  );
  console.log(`| RSS per provider, MB | ${fixed(sum(packRss) / values.providers / 2 ** 20, 2)} |`);
  for (const r of usage.relays)
    console.log(`| ${r.label} RSS, MB (CPU s) | ${mb(r.rss)} (${fixed(r.cpuUs / 1e6, 1)}) |`);
  console.log(`| mint RSS, MB | ${mb(usage.mint.rss)} |`);
  writeBenchJson(json, {
    machine: machine(),
    providers: values.providers,
    packs: crowd.packs,
    relays: values.relays,
    startMs: crowd.startMs,
    discoveryMs,
    discoveredMs: reached,
    live,
    usage,
  });
} finally {
  await crowd.close();
}
