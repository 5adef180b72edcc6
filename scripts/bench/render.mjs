// Renders docs/benchmarks.md: the template's prose with each {{placeholder}} replaced from the results dir.
//   {{header}}            the machine and the run
//   {{section:ID}}        the command that produced the figures, when, and the tables (sections.mjs)
//   {{targets}}           every target with its measured value and whether it is met
//   {{targets:GROUP}}     the targets of one group
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { num, Targets, table } from "./format.mjs";
import { SECTIONS } from "./sections.mjs";
import { SOAK_CROWD_STEP, SOAK_STEP, STEPS } from "./steps.mjs";

const readJson = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined);

export function renderDoc(resultsDir, templateFile, machineNow) {
  const template = readFileSync(templateFile, "utf8");
  const run = readJson(path.join(resultsDir, "run.json"));
  const machine = run?.machine ?? machineNow;
  const targets = new Targets();
  const sections = new Map();
  // Sections first (they register their targets), in template order.
  for (const [, id] of template.matchAll(/\{\{section:([\w-]+)\}\}/g))
    sections.set(id, section(id, resultsDir, targets, run));

  const header =
    `Figures measured on **${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ` +
    `${machine.node}, ${machine.platform}**` +
    (run
      ? `, by \`npm run bench\` on ${run.date.slice(0, 10)} (${num(run.totalSec / 60, 1)} min in all; load average ` +
        `${num(run.loadavgAtStart[0], 1)} at start).`
      : ". No full `npm run bench` run yet: each section says when its figures were taken.");
  const allTargets = table(
    ["section", "figure", "target", "measured", "met?"],
    targets.rows.map((r) => [r.section, r.figure, r.target, r.measured, Targets.verdict(r.met)]),
    ["l", "l", "l", "r", "l"],
  );
  return `${template
    .replace("{{header}}", header)
    .replace("{{targets}}", allTargets)
    .replace(/\{\{section:([\w-]+)\}\}/g, (_, id) => sections.get(id))
    .replace(/\{\{targets:([\w-]+)\}\}/g, (_, group) => targets.tableOf(group))
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

function section(id, resultsDir, targets, run) {
  const step = [...STEPS, SOAK_STEP, SOAK_CROWD_STEP].find((s) => s.id === id);
  const render = SECTIONS[id];
  if (!step || !render) return `_No renderer for "${id}"._`;
  const meta = readJson(path.join(resultsDir, `${id}.meta.json`));
  const data = meta?.ok === false ? undefined : readJson(path.join(resultsDir, `${id}.json`));
  const when = meta ? ` — ${describeRun(meta, run)}` : "";
  const command = `Command: \`${meta?.shown ?? step.shown}\`${when}.`;
  if (!data) {
    const why = meta?.error ? `the last run failed (${meta.error}; its output: ${meta.log})` : "not run yet";
    registerMissing(id, targets);
    return `${command}\n\n_Not measured: ${why}._`;
  }
  try {
    return `${command}\n\n${render(data, targets)}`;
  } catch (error) {
    return `${command}\n\n_Could not render the figures: ${String(error)}._`;
  }
}

/** A section without figures still lists its targets, as not measured. */
function registerMissing(id, targets) {
  const expected = {
    relay: [["relay", "ingest, verified events/s (default relay)", "≥ 2,500/s"]],
    "swarm-fanout": [
      ["market", "fan-out: jobs/s end to end", "≥ 1,000/s"],
      ["market", "fan-out: swarm / in-process wall time", "≤ 3"],
    ],
    "swarm-speedup": [["market", "parallel speed-up, 1,000 × 200 ms over 50 places", "≥ 45×"]],
    soak: [["soak", "every soak check (10,000 sub-calls with faults)", "pass"]],
    thousand: [
      ["thousand", "discovery: all 1,000 providers live", "< 5 s"],
      ["thousand", "10,000 sub-calls over 1,000 providers from cold: jobs/s", "≥ 1,000/s"],
      ["thousand", "cold / tabs open", "≥ 0.8"],
      ["thousand", "speed-up, 1,000 × 200 ms over 50 places from cold", "≥ 45×"],
      ["thousand", "5% stragglers at 10×, hedging on: p99 / p50", "≤ 2.5"],
      ["thousand", "load spread at equal prices: max / mean jobs", "≤ 2"],
      ["thousand", "two price tiers: jobs to the cheaper one", "≥ 90%"],
      ["thousand", "mint operations per provider per run", "grow with providers, not jobs"],
      ["thousand", "buyer peak RSS", "≤ 500 MB"],
    ],
    "soak-crowd": [
      ["soak", "every soak check at 1,000 providers (100,000 sub-calls with faults)", "pass"],
      ["soak", "buyer RSS at 1,000 providers and 100,000 sub-calls", "≤ 500 MB"],
    ],
  }[id];
  for (const [group, figure, target] of expected ?? []) targets.add(group, figure, target, "—", undefined);
}

/** "run 2026-11-21, 40 s, load average 2.2 at start", leaving out what the meta does not know. */
function describeRun(meta, run) {
  const parts = [];
  if (meta.date && meta.date.slice(0, 10) !== run?.date?.slice(0, 10))
    parts.push(`run ${meta.date.slice(0, 10)}`);
  if (typeof meta.wallSec === "number") parts.push(`${num(meta.wallSec)} s`);
  if (typeof meta.loadavg === "number") parts.push(`load average ${num(meta.loadavg, 1)} at start`);
  return parts.join(", ");
}
