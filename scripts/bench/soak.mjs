#!/usr/bin/env node
// `npm run soak`: runs the soak (lab/soak/soak.ts, through the tsx loader, with a forced GC available for
// its memory check), its figures to scripts/bench/results/soak.json, or soak-crowd.json for a soak on the
// crowd (--providers above 16, e.g. `npm run soak -- --providers 1000`: 100,000 sub-calls by default), so
// each keeps its own section (the next `npm run bench`, or `run-all.mjs --render`, puts them in
// docs/benchmarks.md). Extra arguments go to the soak: `npm run soak -- --subcalls 500`.
// Exits with the soak's status: non-zero when a check failed.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const results = path.join(ROOT, "scripts/bench/results");
mkdirSync(results, { recursive: true });
const extra = process.argv.slice(2);
// lab/soak/soak-core.ts's CROWD_ABOVE: above 16 providers the soak runs on the crowd.
const providersFlag = extra.flatMap((arg, i) =>
  arg === "--providers" ? [extra[i + 1]] : arg.startsWith("--providers=") ? [arg.slice(12)] : [],
);
const id = Number(providersFlag.at(-1) ?? 8) > 16 ? "soak-crowd" : "soak";
const json = path.join(results, `${id}.json`);
const started = Date.now();
const loadavg = os.loadavg()[0];
const child = spawn(
  process.execPath,
  ["--expose-gc", "--import", "tsx", "lab/soak/soak.ts", ...extra, "--json", json],
  {
    cwd: ROOT,
    stdio: "inherit",
  },
);
const forward = (signal) => child.kill(signal);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
child.on("exit", (code, signal) => {
  const meta = {
    id,
    shown: `npm run soak${extra.length ? ` -- ${extra.join(" ")}` : ""}`,
    date: new Date(started).toISOString(),
    wallSec: (Date.now() - started) / 1000,
    loadavg,
    ok: true, // the figures are valid even when a check failed: the section shows which
    exitCode: code ?? signal,
  };
  if (code === null || code > 1)
    Object.assign(meta, { ok: false, error: `soak ended with ${code ?? signal}` });
  writeFileSync(path.join(results, `${id}.meta.json`), `${JSON.stringify(meta, null, 2)}\n`);
  process.exit(code ?? 1);
});
