/**
 * The fan-out benchmark on each relay the market can meet, one after the other in one run, so their ratio
 * means something: Pylon's relay as deployed, Pylon's configured strictly (16 KB messages, 10 events/s per
 * connection, NIP-42 AUTH for reading and writing, NIP-13 proof of work 8) and the foreign one
 * (@nostr-relay/core). Each is lab/bench/fanout.ts in its own process (a fresh market each time).
 *
 *   tsx lab/bench/fanout-relays.ts [--subcalls 1000] [--providers 8] [--relays pylon,strict,foreign] [--json FILE]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs, fixed, machine, writeBenchJson } from "@pylon/testkit/bench";

const { values, json } = benchArgs({ subcalls: 1_000, providers: 8, relays: "pylon,strict,foreign" });
const kinds = values.relays.split(",").filter(Boolean);
const fanout = path.join(path.dirname(fileURLToPath(import.meta.url)), "fanout.ts");
const dir = mkdtempSync(path.join(tmpdir(), "pylon-fanout-relays-"));

interface FanoutRow {
  subcalls: number;
  answered: number;
  wallSec: number;
  jobsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

const rows: Array<FanoutRow & { relay: string; ratioToPylon: number }> = [];
try {
  for (const relay of kinds) {
    const out = path.join(dir, `${relay}.json`);
    const args = ["--import", "tsx", fanout, "--small", String(values.subcalls), "--large", "0"];
    args.push("--providers", String(values.providers), "--relay", relay, "--json", out);
    const child = spawnSync(process.execPath, args, {
      stdio: ["ignore", "ignore", "inherit"],
      timeout: 600_000,
    });
    if (child.status !== 0)
      throw new Error(`fanout on the ${relay} relay exited ${child.status ?? child.signal}`);
    const row = (JSON.parse(readFileSync(out, "utf8")) as { rows: FanoutRow[] }).rows[0] as FanoutRow;
    const base = rows[0]?.jobsPerSec ?? row.jobsPerSec;
    rows.push({ ...row, relay, ratioToPylon: row.jobsPerSec / base });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nFan-out of ${values.subcalls} paid sub-calls over ${values.providers} providers, per relay\n`);
console.log("| relay | answered | wall s | jobs/s | to the first relay | sub-call p50 / p99 ms |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of rows)
  console.log(
    `| ${r.relay} | ${r.answered} | ${fixed(r.wallSec, 2)} | ${fixed(r.jobsPerSec)} | ${fixed(r.ratioToPylon, 2)} | ` +
      `${fixed(r.latencyP50Ms, 0)} / ${fixed(r.latencyP99Ms, 0)} |`,
  );
writeBenchJson(json, {
  benchmark: "swarm/fanout-relays",
  date: new Date().toISOString(),
  machine: machine(),
  subcalls: values.subcalls,
  providers: values.providers,
  rows,
});
