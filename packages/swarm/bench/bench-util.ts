/** Small helpers shared by the swarm benchmarks: flags, percentiles, machine description, JSON output. */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";

/** Integer flags (`--name 1000`) and `--json FILE`; unknown flags are an error. */
export function benchArgs<K extends string>(
  defaults: Record<K, number>,
): { values: Record<K, number>; json: string | undefined } {
  const options: Record<string, { type: "string" }> = { json: { type: "string" } };
  for (const name of Object.keys(defaults)) options[name] = { type: "string" };
  const { values } = parseArgs({ options, allowPositionals: false });
  const out = { ...defaults };
  for (const name of Object.keys(defaults) as K[]) {
    const text = values[name] as string | undefined;
    if (text === undefined) continue;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number, got ${text}`);
    out[name] = n;
  }
  return { values: out, json: values.json as string | undefined };
}

export function percentile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function machine(): { cpus: number; cpuModel: string; node: string; loadavg: number[] } {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    node: process.version,
    loadavg: os.loadavg().map((l) => +l.toFixed(2)),
  };
}

export function writeJson(file: string | undefined, report: unknown): void {
  if (!file) return;
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${file}`);
}

export const fixed = (n: number, digits = 1): string =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
