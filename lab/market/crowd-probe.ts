/**
 * A quick look at the crowd (crowd.ts): start time, the buyer's discovery time of every provider, and the
 * RSS of each pack, relay and the mint. Direction only: the benchmark of record is `npm run bench`'s
 * thousand-provider section.
 *
 *   npx tsx lab/market/crowd-probe.ts [--providers 1000] [--per-pack 50] [--relays 3] [--json FILE]
 */
import { benchArgs, fixed, machine, writeBenchJson } from "@pylon/testkit/bench";
import { startCrowd } from "./crowd.js";

const { values, json } = benchArgs({ providers: 1_000, "per-pack": 50, relays: 3 });
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
  const { swarm, discoveryMs } = await crowd.swarm({ depositSats: 10 });
  const live = swarm.directory.live().length;
  await swarm.close();
  const usage = await crowd.usage();
  const packRss = usage.packs.map((p) => p.rss);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  console.log(`| ${values.providers} providers in ${crowd.packs} packs over ${values.relays} relays | |`);
  console.log("| --- | ---: |");
  console.log(`| start (first fork → every pack ready), s | ${fixed(crowd.startMs / 1000, 1)} |`);
  console.log(`| discovery (swarm start → all ${live} live), s | ${fixed(discoveryMs / 1000, 2)} |`);
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
    usage,
  });
} finally {
  await crowd.close();
}
