#!/usr/bin/env node
// `npm run bench`: runs every benchmark with fixed arguments (steps.mjs), keeps the JSON each one writes in
// scripts/bench/results/, and regenerates docs/benchmarks.md from template.md.
//
//   node scripts/bench/run-all.mjs                 run everything, then render
//   node scripts/bench/run-all.mjs --only relay,swarm-fanout   run some, render with the others' last JSON
//   node scripts/bench/run-all.mjs --render        render from the last JSON only (no benchmark runs)
//   [--results DIR] [--out FILE]
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { killGroup } from "../lib/process-group.mjs";
import { renderDoc } from "./render.mjs";
import { STEPS } from "./steps.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    only: { type: "string" },
    render: { type: "boolean", default: false },
    results: { type: "string", default: path.join(ROOT, "scripts/bench/results") },
    out: { type: "string", default: path.join(ROOT, "docs/benchmarks.md") },
  },
});
const resultsDir = path.resolve(values.results);
mkdirSync(resultsDir, { recursive: true });

export function machineNow() {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model?.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

/** Runs one step with a hard timeout (the whole process group is killed), its output to a temp log. */
function runStep(step) {
  const json = path.join(resultsDir, `${step.id}.json`);
  // Output goes to a temp file, not the results (which are small enough to commit).
  const log = path.join(os.tmpdir(), `pylon-bench-${step.id}.log`);
  const [command, ...args] = step.argv(json);
  const started = Date.now();
  const loadavg = os.loadavg()[0];
  console.error(`\n▶ ${step.id}: ${step.shown}`);
  return new Promise((resolve) => {
    const child = spawn(path.resolve(ROOT, command), args, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, so a timeout takes its children too
    });
    const chunks = [];
    const keep = (chunk) => {
      chunks.push(chunk);
      process.stderr.write(chunk);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, step.timeoutSec * 1000);
    const stop = () => {
      killGroup(child);
      process.exit(130);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    let finished = false;
    const finish = (code, error) => {
      if (finished) return; // "error" and "exit" may both come
      finished = true;
      clearTimeout(timer);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      writeFileSync(log, Buffer.concat(chunks));
      const wallSec = (Date.now() - started) / 1000;
      const ok = code === 0 && !timedOut && existsSync(json) && readFileSync(json).length > 0;
      const meta = {
        id: step.id,
        shown: step.shown,
        date: new Date(started).toISOString(),
        wallSec,
        loadavg,
        ok,
        log,
        ...(ok
          ? {}
          : { error: error ?? (timedOut ? `timed out after ${step.timeoutSec} s` : `exit code ${code}`) }),
      };
      writeFileSync(path.join(resultsDir, `${step.id}.meta.json`), `${JSON.stringify(meta, null, 2)}\n`);
      console.error(`${ok ? "✓" : "✗"} ${step.id} in ${wallSec.toFixed(1)} s${ok ? "" : `: ${meta.error}`}`);
      resolve(meta);
    };
    child.on("error", (error) => finish(-1, String(error)));
    child.on("exit", (code) => finish(code));
  });
}

if (!values.render) {
  const wanted = values.only ? new Set(values.only.split(",")) : undefined;
  const steps = STEPS.filter((s) => !wanted || wanted.has(s.id));
  if (wanted)
    for (const id of wanted) if (!STEPS.some((s) => s.id === id)) throw new Error(`unknown step ${id}`);
  const started = Date.now();
  const metas = [];
  for (const step of steps) metas.push(await runStep(step));
  const run = {
    date: new Date(started).toISOString(),
    totalSec: (Date.now() - started) / 1000,
    machine: machineNow(),
    loadavgAtStart: os.loadavg(),
    steps: metas.map((m) => m.id),
    partial: Boolean(wanted),
  };
  if (!wanted) writeFileSync(path.join(resultsDir, "run.json"), `${JSON.stringify(run, null, 2)}\n`);
  console.error(`\nbenchmarks done in ${(run.totalSec / 60).toFixed(1)} min`);
  const failed = metas.filter((m) => !m.ok);
  if (failed.length) console.error(`failed: ${failed.map((m) => `${m.id} (${m.error})`).join(", ")}`);
}

const doc = renderDoc(resultsDir, path.join(ROOT, "scripts/bench/template.md"), machineNow());
writeFileSync(values.out, doc);
console.error(`wrote ${path.relative(process.cwd(), values.out) || values.out}`);
